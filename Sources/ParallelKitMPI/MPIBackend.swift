#if MPI
import ParallelKit

/// The MPI backend of ``Parallel``: `Parallel(backend: .named("mpi"))` runs a call on the worker
/// ranks of the job this program was launched in, through an ``MPIPool``.
///
/// Swift runs no code when a module is linked, so register it once, at the start of `main`:
///
/// ```swift
/// WorkerTasks.serveIfWorker()      // ranks 1… serve here
/// MPIBackend.register()
/// let counts = try await Parallel(backend: .named("mpi")).map(CountInRange.self, rows)
/// ```
///
/// Every worker rank serves every call: a `jobs:` count does not shrink the job.
public enum MPIBackend {
    /// The name it is registered under.
    public static let name = "mpi"

    /// Makes `Parallel(backend: .named("mpi"))` run on this job's worker ranks.
    public static func register() {
        BackendRegistry.register(name, capabilities: [.supportsCancellation]) { _ throws(BackendError) in
            try await MPIPool()
        }
    }
}
#endif
