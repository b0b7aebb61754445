import CParallelKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a started job's child reads before its exec — its path, arguments, environment and the
/// stack it runs on — in one allocation that the job keeps until the child is reaped: the child
/// shares the runner's memory and the runner does not wait for its exec (``pk_launch_job``).
final class JobLaunch {
    /// The program as the runner names it in messages.
    let program: Bytes
    private let memory: UnsafeMutableRawPointer
    private let record: UnsafeMutablePointer<pk_job_launch>
    private let stack: UnsafeMutableRawPointer
    /// Holds the base environment's strings, which `envp` points into.
    private let spawner: JobSpawner

    static let stackSize = 8 * 1024

    /// Lays out `program`, `arguments` (argv[0] first), the spawner's environment plus `extra`,
    /// and — for an executable run directly — the shell fallback argv, as C strings.
    init(
        spawner: JobSpawner, program: Bytes, arguments: [Bytes], environment base: [UnsafeMutablePointer<CChar>?],
        extra: [Bytes], shellFallback: Bytes?
    ) {
        precondition(!arguments.isEmpty, "argv[0] is always given")
        self.program = program
        self.spawner = spawner
        // Three NULL-terminated pointer arrays: argv; the shell fallback's argv, `shell path
        // argv[1]…`; envp. Then the strings, then the stack.
        let argvCount = arguments.count + 1
        let shellArgvCount = shellFallback == nil ? 0 : arguments.count + 2
        let envpCount = base.count + extra.count + 1
        var stringBytes = program.count + 1 + (shellFallback.map { $0.count + 1 } ?? 0)
        for string in arguments { stringBytes += string.count + 1 }
        for string in extra { stringBytes += string.count + 1 }
        let recordBytes = (MemoryLayout<pk_job_launch>.stride + 15) & ~15
        let pointerCount = argvCount + shellArgvCount + envpCount
        let pointersBytes = (pointerCount * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride + 15) & ~15
        let stringsBytes = (stringBytes + 15) & ~15
        memory = .allocate(byteCount: recordBytes + pointersBytes + stringsBytes + Self.stackSize, alignment: 16)
        record = memory.bindMemory(to: pk_job_launch.self, capacity: 1)
        let argv = (memory + recordBytes).bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: pointerCount)
        let shellArgv = argv + argvCount
        let envp = shellArgv + shellArgvCount
        var next = (memory + recordBytes + pointersBytes).bindMemory(to: CChar.self, capacity: stringBytes)
        stack = memory + recordBytes + pointersBytes + stringsBytes

        func copy(_ bytes: Bytes) -> UnsafeMutablePointer<CChar> {
            let start = next
            bytes.withUnsafeBytes { raw in
                if let base = raw.baseAddress { UnsafeMutableRawPointer(start).copyMemory(from: base, byteCount: raw.count) }
            }
            start[bytes.count] = 0
            next += bytes.count + 1
            return start
        }
        let path = copy(program)
        for (index, argument) in arguments.enumerated() { argv[index] = copy(argument) }
        argv[argvCount - 1] = nil
        if let shellFallback {
            shellArgv[0] = copy(shellFallback)
            shellArgv[1] = path
            for index in arguments.indices.dropFirst() { shellArgv[1 + index] = argv[index] }
            shellArgv[shellArgvCount - 1] = nil
        }
        for (index, entry) in base.enumerated() { envp[index] = entry }
        for (index, entry) in extra.enumerated() { envp[base.count + index] = copy(entry) }
        envp[envpCount - 1] = nil
        record.initialize(to: pk_job_launch(
            path: path, argv: UnsafePointer(argv), envp: UnsafePointer(envp),
            shell_argv: shellFallback == nil ? nil : UnsafePointer(shellArgv),
            input_fd: -1, output_fd: -1, error_fd: -1, default_signal: 0, exec_errno: 0))
    }

    deinit {
        memory.deallocate()
    }

    /// Starts the child; `nil` descriptors keep the runner's. Returns the pid and pidfd (-1 when
    /// the kernel gave none), or the errno of a failed clone.
    func start(input: Int32?, output: Int32?, error: Int32?, defaultSignal: Int32) -> (pid: pid_t, pidfd: Int32, errno: Int32) {
        record.pointee.input_fd = input ?? -1
        record.pointee.output_fd = output ?? -1
        record.pointee.error_fd = error ?? -1
        record.pointee.default_signal = defaultSignal
        var pidfd: Int32 = -1
        let pid = pk_launch_job(record, stack, Self.stackSize, &pidfd)
        return pid > 0 ? (pid, pidfd, 0) : (-1, -1, -pid)
    }

    /// Why the child could not exec (an errno), or 0. Meaningful only once the child was reaped.
    var execErrno: Int32 { record.pointee.exec_errno }
}
