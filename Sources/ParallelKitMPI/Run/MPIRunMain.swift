#if MPI
import ParallelKitRun
import ParallelKitSystem

/// `parallelkit run --mpi`: GNU parallel's runner with its jobs spread over the ranks of an MPI
/// job (`mpirun -np N parallelkit run --mpi …`), as `--sshlogin` spreads GNU's over hosts.
///
/// Every rank parses the same arguments. Rank 0 reads the inputs, renders each job and hands it
/// to ``MPIRunDispatcher``, then prints, logs and exits exactly as a run on one machine does
/// (`-k` order, `--joblog` with the Host column, `--halt`, `--timeout`, `--retries`, the exit
/// status); it runs no jobs itself. Ranks 1… run the jobs, each up to its own `-j` at once,
/// resolved against its own host's cores (``MPIRunWorker``). Package access only: the CLI is
/// its one caller.
package enum MPIRunMain {
    static let howToLaunch =
        "launch it with `mpirun -np N parallelkit run --mpi …` (or `srun -n N …` under Slurm): rank 0 reads the "
        + "inputs and hands out the jobs, ranks 1 to N-1 run them, each with its own -j"

    /// Runs this rank's part: `slots` is this rank's `-j`, resolved here; `run` is rank 0's
    /// run, given the ranks' jobs and their slots together. Worker ranks never return.
    ///
    /// - Throws: ``RunUsageError`` saying how to launch when no MPI launcher started the process,
    ///   or the job has one rank.
    package static func main(
        slots: Int, run: (_ remote: any RemoteJobs, _ slots: Int) throws(RunUsageError) -> Int32
    ) throws(RunUsageError) -> Int32 {
        guard let rank = MPIWorld.launchedRank else {
            throw RunUsageError("--mpi: no MPI launcher started parallelkit; " + howToLaunch)
        }
        if rank != 0 { MPIRunWorker.serve(slots: slots) }
        let dispatcher = MPIRunDispatcher()
        defer { dispatcher.finish() }
        let ranks: [MPIRunDispatcher.Rank]
        do {
            ranks = try dispatcher.layout.wait()
        } catch {
            if case .failed(let usage) = error { throw usage }
            throw RunUsageError("--mpi: the MPI job ended before its ranks were ready")
        }
        return try run(dispatcher, ranks.dropFirst().reduce(0) { $0 + $1.slots })
    }
}
#endif
