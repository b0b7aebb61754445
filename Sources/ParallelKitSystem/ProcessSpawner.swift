import CParallelKit

/// The package's one way to start a child process, with two strategies (see
/// ``SpawnConfiguration/Strategy``): `posix_spawn` for programs with many threads (pool workers,
/// `WorkerProcess`), and a clone that does not wait for the exec, for the single-threaded CLI
/// runner's jobs.
///
/// Both give the child the same start: the standard and passed descriptors the configuration
/// names (the rest closed when asked), no signal blocked, caught signals and
/// ``SpawnConfiguration/signalsToDefault`` at their default action, the process group asked for.
package enum ProcessSpawner {
    /// Starts the child `configuration` describes.
    ///
    /// - Throws: ``SystemError`` from `posix_spawn` or `clone` (`ENOENT`, `EACCES`, `EAGAIN`, …),
    ///   or from preparing its descriptors. A clone whose exec fails still returns: the child
    ///   exits 127 and ``ProcessLaunch/execErrno`` tells why once it has been reaped.
    package static func spawn(_ configuration: SpawnConfiguration) throws(SystemError) -> SpawnedProcess {
        switch configuration.strategy {
        case .cloneWithoutWaiting:
            let launch = ProcessLaunch(configuration)
            let (pid, pidfd) = try launch.start()
            let descriptor = pidfd >= 0 || !configuration.wantsPIDFD ? pidfd : pk_pidfd_open(pid)
            return SpawnedProcess(
                pid: pid, pidfd: configuration.wantsPIDFD ? descriptor : closing(pidfd), launch: launch,
                ownGroup: configuration.processGroup == .new)
        case .posixSpawn:
            let pid: pid_t
            do {
                pid = try posixSpawn(configuration, executable: configuration.executable, arguments: configuration.arguments)
            } catch where error.errno == ENOEXEC && configuration.shellFallback != nil {
                let shell = configuration.shellFallback!
                let arguments = [shell, configuration.executable] + configuration.arguments.dropFirst()
                pid = try posixSpawn(configuration, executable: shell, arguments: arguments)
            }
            return SpawnedProcess(
                pid: pid, pidfd: configuration.wantsPIDFD ? pk_pidfd_open(pid) : -1, launch: nil,
                ownGroup: configuration.processGroup == .new)
        }
    }

    /// Closes a pidfd nobody asked for; returns -1.
    private static func closing(_ pidfd: Int32) -> Int32 {
        if pidfd >= 0 { close(pidfd) }
        return -1
    }

    private static func posixSpawn(
        _ configuration: SpawnConfiguration, executable: [UInt8], arguments: [[UInt8]]
    ) throws(SystemError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        try systemCallReturningError("posix_spawn_file_actions_init") { posix_spawn_file_actions_init(&actions) }
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (index, passed) in configuration.passedDescriptors.enumerated() {
            try addPlacement(&actions, passed.parent, as: passed.child, scratch: 100 + Int32(index))
        }
        let standard = [configuration.standardInput, configuration.standardOutput, configuration.standardError]
        for (target, source) in standard.enumerated() {
            let target = Int32(target)
            switch source {
            case .inherit:
                break
            case .devNull:
                let mode = target == 0 ? O_RDONLY : O_WRONLY
                try systemCallReturningError("posix_spawn_file_actions_addopen") {
                    posix_spawn_file_actions_addopen(&actions, target, "/dev/null", mode, 0)
                }
            case .descriptor(let fd):
                try addPlacement(&actions, fd, as: target, scratch: 99 - target)
            }
        }
        if let directory = configuration.workingDirectory {
            try withCStrings([directory]) { (path) throws(SystemError) in
                try systemCallReturningError("posix_spawn_file_actions_addchdir_np") {
                    pk_spawn_file_actions_chdir(&actions, path[0]!)
                }
            }
        }
        if configuration.closeOtherDescriptors {
            let lowest = configuration.firstOtherDescriptor
            try systemCallReturningError("posix_spawn_file_actions_addclosefrom_np") {
                pk_spawn_file_actions_close_from(&actions, lowest)
            }
        }

        var attributes = posix_spawnattr_t()
        try systemCallReturningError("posix_spawnattr_init") { posix_spawnattr_init(&attributes) }
        defer { posix_spawnattr_destroy(&attributes) }
        try systemCallReturningError("posix_spawnattr_setflags") {
            pk_spawnattr_configure(&attributes, configuration.signalsToDefault.mask, configuration.processGroup == .new ? 1 : 0)
        }

        var pid: pid_t = 0
        try withCStrings([executable]) { (path) throws(SystemError) in
            try withCStrings(arguments) { (argv) throws(SystemError) in
                try withEnvironment(configuration.environment) { (envp) throws(SystemError) in
                    try systemCallReturningError("posix_spawn") { posix_spawn(&pid, path[0]!, &actions, &attributes, argv, envp) }
                }
            }
        }
        return pid
    }

    /// Adds actions that make the parent's `fd` the child's descriptor `target`. `dup2` onto
    /// itself would keep close-on-exec, so a descriptor already numbered `target` moves to
    /// `scratch` and back.
    private static func addPlacement(
        _ actions: inout posix_spawn_file_actions_t, _ fd: Int32, as target: Int32, scratch: Int32
    ) throws(SystemError) {
        if fd == target {
            try systemCallReturningError("posix_spawn_file_actions_adddup2") { posix_spawn_file_actions_adddup2(&actions, fd, scratch) }
            try systemCallReturningError("posix_spawn_file_actions_adddup2") { posix_spawn_file_actions_adddup2(&actions, scratch, target) }
            try systemCallReturningError("posix_spawn_file_actions_addclose") { posix_spawn_file_actions_addclose(&actions, scratch) }
        } else {
            try systemCallReturningError("posix_spawn_file_actions_adddup2") { posix_spawn_file_actions_adddup2(&actions, fd, target) }
        }
    }

    /// Calls `body` with the environment as a NULL-terminated C array.
    private static func withEnvironment(
        _ environment: SpawnConfiguration.Environment,
        _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) throws(SystemError) -> Void
    ) throws(SystemError) {
        switch environment {
        case .inherit:
            try body(UnsafePointer(environ))
        case .entries(let entries):
            try withCStrings(entries, body)
        case .prepared(let base, let owner, let extra):
            try withExtendedLifetime(owner) { () throws(SystemError) in
                try withCStrings(extra) { (extraPointers) throws(SystemError) in
                    let all = base + UnsafeBufferPointer(start: extraPointers, count: extra.count + 1)
                    try all.withUnsafeBufferPointer { (buffer) throws(SystemError) in try body(buffer.baseAddress!) }
                }
            }
        }
    }
}

/// Calls `body` with a NULL-terminated C array of copies of `strings`.
package func withCStrings<Result, Failure: Error>(
    _ strings: [[UInt8]], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) throws(Failure) -> Result
) throws(Failure) -> Result {
    var pointers: [UnsafeMutablePointer<CChar>?] = []
    pointers.reserveCapacity(strings.count + 1)
    for string in strings {
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: string.count + 1)
        string.withUnsafeBytes { raw in
            if let base = raw.baseAddress { UnsafeMutableRawPointer(copy).copyMemory(from: base, byteCount: raw.count) }
        }
        copy[string.count] = 0
        pointers.append(copy)
    }
    pointers.append(nil)
    defer { for pointer in pointers { pointer?.deallocate() } }
    return try pointers.withUnsafeBufferPointer { (buffer) throws(Failure) in try body(buffer.baseAddress!) }
}
