/// What the parent checks in a worker's hello before using it: the protocol, the build, and that
/// no task this program registered means something else in the worker. Pure: tested without
/// processes.
enum WorkerHandshake {
    /// Why the worker that said `hello` is refused, or `nil` when it is accepted.
    ///
    /// - Parameters:
    ///   - accepting: the builds the caller accepts.
    ///   - ownBuildID: this executable's build-id (hex, "" when it has none).
    ///   - runsThisExecutable: the worker runs `/proc/self/exe`, so it is this build even when
    ///     the file has no build-id to compare.
    ///   - tasks: this program's registered tasks, name → signature.
    static func refusal(
        of hello: WorkerHello, accepting: AcceptedBuild, ownBuildID: String, runsThisExecutable: Bool,
        tasks: [String: String]
    ) -> String? {
        guard hello.protocolVersion == WorkerHello.currentProtocolVersion else {
            let ours = WorkerHello.currentProtocolVersion
            return "worker \(hello.pid) speaks protocol \(hello.protocolVersion), this program \(ours)"
        }
        if let refusal = buildRefusal(
            of: hello, accepting: accepting, ownBuildID: ownBuildID, runsThisExecutable: runsThisExecutable)
        {
            return refusal
        }
        // Every task both sides register, not only the next batch's: a pool learns which tasks it
        // runs only when they are called, and a mismatch found then would fail a call halfway
        // through the program. Tasks registered after the handshake are checked per batch.
        let clashes = tasks.keys.sorted().compactMap { name -> String? in
            guard let theirs = hello.tasks[name], let ours = tasks[name], theirs != ours else { return nil }
            return "worker \(hello.pid) registers \(theirs), this program \(ours)"
        }
        return clashes.isEmpty ? nil : clashes.joined(separator: "; ")
    }

    private static func buildRefusal(
        of hello: WorkerHello, accepting: AcceptedBuild, ownBuildID: String, runsThisExecutable: Bool
    ) -> String? {
        let expected: String
        switch accepting {
        case .anyBuild: return nil
        case .sameBuild:
            if runsThisExecutable && hello.buildID == ownBuildID { return nil }
            expected = ownBuildID
        case .build(let id):
            expected = id.lowercased()
        }
        if !expected.isEmpty && hello.buildID == expected { return nil }
        let why = expected.isEmpty ? " (no build ID to compare; accepting: .anyBuild opts out)" : ""
        return "worker \(hello.pid) is build \(AcceptedBuild.shown(hello.buildID)), this program accepts "
            + "\(accepting == .sameBuild ? ".sameBuild, build \(AcceptedBuild.shown(ownBuildID))" : "\(accepting)")\(why)"
    }
}
