import ParallelKitSystem

/// A module that serves tasks on processes a cluster launcher started (ParallelKitMPI's ranks):
/// ``WorkerTasks/serveIfWorker(_:)-(any WorkerTask.Type...)`` finds it by its type's name, so the
/// program's entry line is the same as for ``ProcessPool``, and no registration call is needed.
package protocol LaunchedProcessServer {
    /// Serves the registered tasks and exits when this process is a worker of a launch (an MPI
    /// rank other than 0); otherwise prepares what the launch needs and returns.
    static func serveIfLaunchedWorker()
}

extension WorkerTasks {
    /// The environment variables that say a launcher started this process (`mpirun`'s, and PMIx
    /// or PMI's as under `srun --mpi=pmix`).
    static let launcherRankVariables = ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"]

    /// `ParallelKitMPI.MPIWorkerEntry`'s mangled name: present only when that module is linked.
    static let launchedServerType = "14ParallelKitMPI14MPIWorkerEntryO"

    /// Hands over to the linked launcher module, when a launcher started this process.
    static func serveIfLaunched() {
        guard launcherRankVariables.contains(where: { getenv($0) != nil }),
            let server = _typeByName(launchedServerType) as? any LaunchedProcessServer.Type
        else { return }
        server.serveIfLaunchedWorker()
    }
}
