import CParallelKit

/// The clone strategy of ``ProcessSpawner``: what a child reads before its exec — its path,
/// arguments, environment, descriptors and the stack it runs on — in one allocation that the
/// caller keeps until the child is reaped, because the child shares the caller's memory and the
/// caller does not wait for its exec (`pk_clone_spawn`).
///
/// This is the CLI runner's per-job path: one allocation per child (besides this object), no
/// copy of the prepared base environment.
package final class ProcessLaunch {
    /// The executable's path, as the configuration gave it.
    package let executable: [UInt8]
    private let memory: UnsafeMutableRawPointer
    private let record: UnsafeMutablePointer<pk_clone_launch>
    private let stack: UnsafeMutableRawPointer
    /// Keeps a prepared environment's strings alive: `envp` points into them.
    private let owner: AnyObject?

    static let stackSize = 8 * 1024

    /// Lays out `configuration`'s path, arguments, environment, passed descriptors and — with a
    /// shell fallback — the shell's argv, as C data in one allocation.
    init(_ configuration: SpawnConfiguration) {
        let arguments = configuration.arguments
        precondition(!arguments.isEmpty, "argv[0] is always given")
        let program = configuration.executable
        let shellFallback = configuration.shellFallback
        executable = program
        // Three NULL-terminated pointer arrays: argv; the shell fallback's argv, `shell path
        // argv[1]…`; envp. Then the passed descriptors' pairs, the strings, the stack.
        var base: [UnsafeMutablePointer<CChar>?] = []
        var extra: [[UInt8]] = []
        var inherits = false
        switch configuration.environment {
        case .inherit:
            inherits = true
            owner = nil
        case .entries(let entries):
            extra = entries
            owner = nil
        case .prepared(let prepared, let keeper, let more):
            base = prepared
            extra = more
            owner = keeper
        }
        let passed = configuration.passedDescriptors
        let argvCount = arguments.count + 1
        let shellArgvCount = shellFallback == nil ? 0 : arguments.count + 2
        let envpCount = inherits ? 0 : base.count + extra.count + 1
        var stringBytes = program.count + 1 + (shellFallback.map { $0.count + 1 } ?? 0)
        stringBytes += configuration.workingDirectory.map { $0.count + 1 } ?? 0
        for string in arguments { stringBytes += string.count + 1 }
        for string in extra { stringBytes += string.count + 1 }
        let recordBytes = (MemoryLayout<pk_clone_launch>.stride + 15) & ~15
        let pointerCount = argvCount + shellArgvCount + envpCount
        let pointersBytes = (pointerCount * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride + 15) & ~15
        let passedBytes = (passed.count * 2 * MemoryLayout<Int32>.stride + 15) & ~15
        let stringsBytes = (stringBytes + 15) & ~15
        memory = .allocate(byteCount: recordBytes + pointersBytes + passedBytes + stringsBytes + Self.stackSize, alignment: 16)
        record = memory.bindMemory(to: pk_clone_launch.self, capacity: 1)
        let argv = (memory + recordBytes).bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: pointerCount)
        let shellArgv = argv + argvCount
        let envp = shellArgv + shellArgvCount
        let pairs = (memory + recordBytes + pointersBytes).bindMemory(to: Int32.self, capacity: max(1, passed.count * 2))
        var next = (memory + recordBytes + pointersBytes + passedBytes).bindMemory(to: CChar.self, capacity: stringBytes)
        stack = memory + recordBytes + pointersBytes + passedBytes + stringsBytes

        func copy(_ bytes: [UInt8]) -> UnsafeMutablePointer<CChar> {
            let start = next
            bytes.withUnsafeBytes { raw in
                if let base = raw.baseAddress { UnsafeMutableRawPointer(start).copyMemory(from: base, byteCount: raw.count) }
            }
            start[bytes.count] = 0
            next += bytes.count + 1
            return start
        }
        let path = copy(program)
        let workingDirectory = configuration.workingDirectory.map(copy)
        for (index, argument) in arguments.enumerated() { argv[index] = copy(argument) }
        argv[argvCount - 1] = nil
        if let shellFallback {
            shellArgv[0] = copy(shellFallback)
            shellArgv[1] = path
            for index in arguments.indices.dropFirst() { shellArgv[1 + index] = argv[index] }
            shellArgv[shellArgvCount - 1] = nil
        }
        if !inherits {
            for (index, entry) in base.enumerated() { envp[index] = entry }
            for (index, entry) in extra.enumerated() { envp[base.count + index] = copy(entry) }
            envp[envpCount - 1] = nil
        }
        for (index, descriptor) in passed.enumerated() {
            pairs[2 * index] = descriptor.parent
            pairs[2 * index + 1] = descriptor.child
        }
        record.initialize(to: pk_clone_launch(
            path: path, argv: UnsafePointer(argv), envp: inherits ? UnsafePointer(environ) : UnsafePointer(envp),
            shell_argv: shellFallback == nil ? nil : UnsafePointer(shellArgv),
            standard_fds: (
                Self.source(configuration.standardInput), Self.source(configuration.standardOutput),
                Self.source(configuration.standardError)),
            passed: passed.isEmpty ? nil : UnsafePointer(pairs), passed_count: Int32(passed.count),
            close_from: configuration.closeOtherDescriptors ? configuration.firstOtherDescriptor : -1,
            new_group: configuration.processGroup == .new ? 1 : 0,
            working_directory: workingDirectory.map { UnsafePointer($0) },
            default_signals: configuration.signalsToDefault.mask, exec_errno: 0))
    }

    deinit {
        memory.deallocate()
    }

    private static func source(_ descriptor: SpawnConfiguration.Descriptor) -> Int32 {
        switch descriptor {
        case .inherit: return PK_FD_INHERIT
        case .devNull: return PK_FD_DEV_NULL
        case .descriptor(let fd): return fd
        }
    }

    /// Starts the child. Returns its pid and pidfd (-1 when the kernel gave none).
    func start() throws(SystemError) -> (pid: pid_t, pidfd: Int32) {
        var pidfd: Int32 = -1
        let pid = pk_clone_spawn(record, stack, Self.stackSize, &pidfd)
        guard pid > 0 else { throw failure("clone", -pid) }
        return (pid, pidfd)
    }

    /// Why the child could not exec (an errno), or 0. Meaningful only once the child was reaped.
    package var execErrno: Int32 { record.pointee.exec_errno }
}
