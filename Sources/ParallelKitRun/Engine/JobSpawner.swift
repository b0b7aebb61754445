import CParallelKit
import ParallelKitSystem

/// Starts job processes (``JobLaunch``: a clone that shares the runner's memory, so the cost does
/// not grow with the runner's size, and that the runner does not wait on until the exec), each in
/// a process group of its own so that the whole group — everything the job started — can be
/// signalled and nothing it started survives.
final class JobSpawner {
    /// A running child: its pid (also its process group) and a pidfd that polls readable when it exits.
    struct Child {
        var pid: pid_t
        var pidfd: Int32
        /// What the child reads until its exec (the clone strategy); keep it until the child is
        /// reaped. `nil` with `posix_spawn`, which returns after the exec.
        var launch: JobLaunch?
    }

    /// What a spawn failed on.
    struct Failure: Error {
        var program: Bytes
        var errno: Int32
    }

    private let baseEnvironment: [UnsafeMutablePointer<CChar>?]
    /// `/dev/null`, opened on first use: standard input of jobs that get none.
    private var devNull: Int32 = -1
    private var programs: [Bytes: Bytes?] = [:]
    private let searchPath: [Bytes]
    /// The shell that runs templates with shell syntax: `$PARALLEL_SHELL` or `/bin/sh`.
    let shell: Bytes
    private let workingDirectory: Bytes?
    private let strategy: SpawnConfiguration.Strategy

    /// `environment`: the jobs' `NAME=value` entries (`nil`: the runner's own), in which `PATH`
    /// and `PARALLEL_SHELL` are looked up; `workingDirectory`: theirs (`nil`: the runner's).
    init(
        extraEnvironment: [String: String] = [:], environment given: [Bytes]? = nil, workingDirectory: Bytes? = nil,
        strategy: SpawnConfiguration.Strategy = .cloneWithoutWaiting
    ) {
        self.workingDirectory = workingDirectory
        self.strategy = strategy
        var environment: [UnsafeMutablePointer<CChar>?] = []
        var path: Bytes = Array("/usr/local/bin:/usr/bin:/bin".utf8)
        var shell: Bytes = Array("/bin/sh".utf8)
        let replaced = Set(["PARALLEL_SEQ", "PARALLEL_JOBSLOT"]).union(extraEnvironment.keys)
        var entries: [Bytes] = given ?? []
        if given == nil {
            var entry = environ
            while let pointer = entry.pointee {
                entries.append(Array(UnsafeBufferPointer(
                    start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))))
                entry += 1
            }
        }
        for bytes in entries {
            let name = bytes.firstIndex(of: UInt8(ascii: "=")).map { String(decoding: bytes[..<$0], as: UTF8.self) }
            if name == "PATH" { path = Array(bytes.dropFirst(5)) }
            if name == "PARALLEL_SHELL", bytes.count > 15 { shell = Array(bytes.dropFirst(15)) }
            if let name, replaced.contains(name) { continue }
            environment.append(withCString(bytes) { strdup($0) })
        }
        for (name, value) in extraEnvironment.sorted(by: { $0.key < $1.key }) {
            environment.append(strdup("\(name)=\(value)"))
        }
        baseEnvironment = environment
        searchPath = path.split(separator: [UInt8(ascii: ":")]).map { $0.isEmpty ? [UInt8(ascii: ".")] : $0 }
        self.shell = shell
    }

    deinit {
        for pointer in baseEnvironment { free(pointer) }
        if devNull >= 0 { close(devNull) }
    }

    /// The executable `name` runs, searched in `PATH` when it has no `/`; `nil` when there is none.
    func resolve(_ name: Bytes) -> Bytes? {
        if let cached = programs[name] { return cached }
        var found: Bytes?
        if name.isEmpty {
            found = nil
        } else if name.contains(UInt8(ascii: "/")) {
            // A relative path names a file in the jobs' working directory, where the exec runs.
            let path = name.first != UInt8(ascii: "/") ? workingDirectory.map { $0 + [UInt8(ascii: "/")] + name } ?? name : name
            found = Self.isExecutableFile(path) ? path : nil
        } else {
            for directory in searchPath {
                let candidate = directory + [UInt8(ascii: "/")] + name
                if Self.isExecutableFile(candidate) {
                    found = candidate
                    break
                }
            }
        }
        if programs.count > 4096 { programs.removeAll() }
        programs[name] = found
        return found
    }

    /// Why `name` runs nothing (``resolve(_:)`` gave `nil`): a path that exists but is not an
    /// executable file, or nothing found.
    func whyNotRunnable(_ name: Bytes) -> RunError {
        let path = name.first != UInt8(ascii: "/") ? workingDirectory.map { $0 + [UInt8(ascii: "/")] + name } ?? name : name
        if name.contains(UInt8(ascii: "/")), Self.exists(path) { return RunError(.notExecutable, program: name.text) }
        return RunError(.programNotFound, program: name.text)
    }

    private static func exists(_ path: Bytes) -> Bool {
        withCString(path) { pointer in
            var info = stat()
            return stat(pointer, &info) == 0
        }
    }

    private static func isExecutableFile(_ path: Bytes) -> Bool {
        withCString(path) { pointer in
            var info = stat()
            guard stat(pointer, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
            return access(pointer, X_OK) == 0
        }
    }

    /// Starts `program` with `arguments` (argv[0] included), standard input from `input` (or
    /// `/dev/null`), standard output and error to `output` and `error` (or the runner's own).
    /// An executable the kernel cannot start (a script with no `#!`) runs under the shell, as
    /// GNU parallel's shell and execvp(3) run it, when `shellFallback` is set. The call returns
    /// without waiting for the exec: an exec that fails shows in ``JobLaunch/execErrno`` once the
    /// child (which then exits 127) has been reaped.
    func spawn(
        program: Bytes, arguments: [Bytes], environment extra: [Bytes],
        input: Int32?, output: Int32?, error: Int32?, shellFallback: Bool
    ) throws(Failure) -> Child {
        if input == nil, devNull < 0 {
            do {
                devNull = try systemCall("open") { open("/dev/null", O_RDONLY | O_CLOEXEC) }
            } catch {
                throw Failure(program: program, errno: error.errno)
            }
        }
        var configuration = SpawnConfiguration(executable: program, arguments: arguments)
        configuration.strategy = strategy
        configuration.workingDirectory = workingDirectory
        configuration.environment = .prepared(base: baseEnvironment, owner: self, extra: extra)
        configuration.standardInput = .descriptor(input ?? devNull)
        if let output { configuration.standardOutput = .descriptor(output) }
        if let error { configuration.standardError = .descriptor(error) }
        configuration.processGroup = .new
        // Caught signals reset themselves at exec; SIGPIPE is the one the runner ignores. Other
        // ignored signals (`nohup`, `trap '' INT`) stay ignored in jobs, as with GNU and xargs.
        configuration.signalsToDefault = SignalSet(signal: SIGPIPE)
        configuration.shellFallback = shellFallback ? shell : nil
        configuration.wantsPIDFD = true
        do {
            let child = try ProcessSpawner.spawn(configuration)
            return Child(pid: child.pid, pidfd: child.pidfd, launch: child.launch)
        } catch {
            throw Failure(program: program, errno: error.errno)
        }
    }
}

/// Calls `body` with a NUL-terminated copy of `bytes`.
func withCString<R>(_ bytes: Bytes, _ body: (UnsafePointer<CChar>) -> R) -> R {
    (bytes + [0]).withUnsafeBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { body($0) }
    }
}
