/// How to start a child process — what it runs, its environment, its descriptors, its process
/// group and signals — for either of ``ProcessSpawner``'s strategies.
///
/// ```swift
/// var worker = SpawnConfiguration(executable: "/proc/self/exe", arguments: ["/proc/self/exe"])
/// worker.standardInput = .devNull
/// worker.passedDescriptors = [.init(parent: socket, child: 3)]
/// worker.closeOtherDescriptors = true
/// let child = try ProcessSpawner.spawn(worker)
/// ```
///
/// Strings are bytes (`[UInt8]`, no NUL), as the kernel takes them: a job's arguments need not be
/// UTF-8.
package struct SpawnConfiguration {
    /// How the child is made.
    package enum Strategy: Sendable {
        /// `posix_spawn`: the caller's thread waits until the child has exec'd. Safe in programs
        /// with many threads (pool workers, `WorkerProcess`).
        case posixSpawn
        /// A `clone` that shares the caller's memory and returns without waiting for the exec
        /// (`pk_clone_spawn`): a quarter to half a millisecond less per child. Only for a
        /// program that runs one thread (the CLI runner); the returned ``SpawnedProcess/launch``
        /// must be kept until the child has been reaped.
        case cloneWithoutWaiting
    }

    /// What one of the child's standard descriptors is.
    package enum Descriptor: Sendable, Equatable {
        /// The parent's own.
        case inherit
        /// `/dev/null` (read-only as input, write-only as output).
        case devNull
        /// This descriptor of the parent.
        case descriptor(Int32)
    }

    /// A parent descriptor the child gets under the number `child` (3 and up).
    package struct PassedDescriptor: Sendable, Equatable {
        package var parent: Int32
        package var child: Int32

        package init(parent: Int32, child: Int32) {
            self.parent = parent
            self.child = child
        }
    }

    /// Which process group the child is in.
    package enum ProcessGroup: Sendable, Equatable {
        /// The parent's.
        case inherit
        /// One of its own, whose ID is the child's pid: signalling `-pid` reaches everything it starts.
        case new
    }

    /// The child's environment.
    package enum Environment {
        /// The parent's (`environ`).
        case inherit
        /// Exactly these `NAME=value` entries.
        case entries([[UInt8]])
        /// `base`, NUL-terminated C strings that `owner` keeps alive (prepared once, shared by
        /// many children), then `extra` entries.
        case prepared(base: [UnsafeMutablePointer<CChar>?], owner: AnyObject, extra: [[UInt8]])
    }

    /// The program's path (not searched in `PATH`).
    package var executable: [UInt8]
    /// The arguments, `argv[0]` first.
    package var arguments: [[UInt8]]
    package var environment: Environment = .inherit
    package var standardInput: Descriptor = .inherit
    package var standardOutput: Descriptor = .inherit
    package var standardError: Descriptor = .inherit
    /// More descriptors, set up before the standard ones (so a parent descriptor 0 to 2, left by
    /// a program that closed its own, is passed as it is). A `parent` descriptor must not be the
    /// `child` number of an earlier entry, nor a standard descriptor's source a `child` number.
    package var passedDescriptors: [PassedDescriptor] = []
    package var processGroup: ProcessGroup = .inherit
    /// The child's working directory (changed to before the exec); `nil`: the parent's.
    package var workingDirectory: [UInt8]?
    /// Signals put back to their default action in the child although the parent ignores them
    /// (caught signals always are: exec resets them). The child starts with no signal blocked.
    package var signalsToDefault = SignalSet()
    /// Closes every descriptor but the standard and passed ones in the child, including those
    /// opened without close-on-exec (another library's pipe), which would otherwise live as long
    /// as the child and keep whoever waits for their other end waiting.
    package var closeOtherDescriptors = false
    /// A shell that runs the executable when the kernel cannot (`ENOEXEC`: a script with no
    /// `#!`), as `execvp(3)` and GNU parallel do: `shell executable argv[1]…`.
    package var shellFallback: [UInt8]?
    /// Whether to return a pidfd (the clone strategy gets one for free; `posix_spawn` opens one).
    package var wantsPIDFD = false
    package var strategy = Strategy.posixSpawn

    package init(executable: [UInt8], arguments: [[UInt8]]) {
        self.executable = executable
        self.arguments = arguments
    }

    /// A configuration from strings.
    package init(executable: String, arguments: [String]) {
        self.init(executable: Array(executable.utf8), arguments: arguments.map { Array($0.utf8) })
    }

    /// The lowest descriptor ``closeOtherDescriptors`` closes: past the standard and passed ones.
    package var firstOtherDescriptor: Int32 {
        passedDescriptors.reduce(3) { max($0, $1.child + 1) }
    }
}

/// A set of signals (1 to 64) as a bit mask: bit `n - 1` for signal `n`.
package struct SignalSet: Sendable, Hashable {
    package var mask: UInt64

    package init() { mask = 0 }

    /// The set holding `signal` alone.
    package init(signal: Int32) {
        mask = 0
        insert(signal)
    }

    package init(_ signals: some Sequence<Int32>) {
        mask = 0
        for signal in signals { insert(signal) }
    }

    package mutating func insert(_ signal: Int32) {
        precondition(signal >= 1 && signal <= 64, "SignalSet: no signal \(signal)")
        mask |= 1 << UInt64(signal - 1)
    }

    package func contains(_ signal: Int32) -> Bool {
        signal >= 1 && signal <= 64 && mask & (1 << UInt64(signal - 1)) != 0
    }
}

/// A child just started by ``ProcessSpawner/spawn(_:)``.
package struct SpawnedProcess {
    package var pid: pid_t
    /// A pidfd, which polls readable once the child has exited (the caller closes it); -1 when
    /// none was asked for or the kernel has none.
    package var pidfd: Int32
    /// The clone strategy's record, which the child reads until its exec: keep it until the
    /// child has been reaped. `nil` for `posix_spawn`.
    package var launch: ProcessLaunch?
    /// Whether the child leads a process group of its own.
    package var ownGroup: Bool

    /// The child as its parent watches and signals it.
    package var child: ChildHandle { ChildHandle(pid: pid, pidfd: pidfd, ownGroup: ownGroup) }
}
