import Synchronization

/// Backends that other modules add to ``Parallel`` by name, such as MPI: a module registers a
/// maker once, and `Parallel(backend: .named("mpi"))` finds it.
///
/// Swift runs no code when a module is linked, so a module's backend is there only after its
/// registration call has run, as the first lines of `main`:
///
/// ```swift
/// BackendRegistry.register("my-cluster", capabilities: [.isolatesCrashes]) { jobs throws(BackendError) in
///     try await ClusterBackend(nodes: jobs.count)
/// }
/// let sums = try await Parallel(jobs: 8, backend: .named("my-cluster")).map(Sum.self, chunks)
/// ```
///
/// - Note: Thread-safe. A later registration of the same name replaces the earlier one.
public enum BackendRegistry {
    /// Makes a backend of at most `jobs` workers for one call.
    public typealias Maker = @Sendable (_ jobs: Workers) async throws(BackendError) -> any ParallelBackend

    struct Entry: Sendable {
        var capabilities: BackendCapabilities
        var make: Maker
    }

    private static let entries = Mutex<[String: Entry]>([:])

    /// Where the backends this project knows of come from, for the message when one is missing.
    private static let knownProviders: [String: (product: String, call: String)] = [
        "mpi": ("ParallelKitMPI", "MPIBackend.register()")
    ]

    /// Makes `name` available to ``Parallel``; `capabilities` are what its backends can do,
    /// checked against a call's options before anything starts.
    public static func register(_ name: String, capabilities: BackendCapabilities, make: @escaping Maker) {
        entries.withLock { $0[name] = Entry(capabilities: capabilities, make: make) }
    }

    /// The names registered now, sorted.
    public static var names: [String] { entries.withLock { $0.keys.sorted() } }

    /// The entry for `name`, or ``BackendError/Code/backendNotLinked`` saying how to link it.
    static func entry(_ name: String) throws(BackendError) -> Entry {
        if let entry = entries.withLock({ $0[name] }) { return entry }
        let registered = names.isEmpty ? "none" : names.joined(separator: ", ")
        let how =
            knownProviders[name].map {
                "add the product \($0.product) to your target's dependencies, import it and call \($0.call) "
                    + "at the start of main"
            } ?? "link the module that provides it and call its registration (BackendRegistry.register) first"
        throw BackendError(
            .backendNotLinked, detail: "no backend named \"\(name)\" is linked (registered: \(registered)): \(how)")
    }
}
