import CParallelKit
import ParallelKitSystem
import ParallelKitTestSupport
import Testing

@testable import ParallelKit

/// Both strategies; every behaviour but the exec error's timing is the same.
let spawnStrategies: [SpawnConfiguration.Strategy] = [.posixSpawn, .cloneWithoutWaiting]

/// A pipe whose ends close on exec.
func cloexecPipe() -> (read: Int32, write: Int32) {
    var ends: [Int32] = [-1, -1]
    #expect(pk_pipe_cloexec(&ends, 0) == 0)
    return (ends[0], ends[1])
}

/// Waits for `pid` to end and reaps it (blocking; run it off the cooperative pool).
func waitForExit(_ pid: Int32) -> TerminationStatus {
    var status: Int32 = 0
    _ = try? systemCall("waitpid") { waitpid(pid, &status, 0) }
    return TerminationStatus(waitStatus: status)
}

/// Spawns `configuration` with standard output (and error, when `mergeError`) to a pipe, and
/// returns what it wrote and how it ended — waiting off the cooperative pool.
func spawnCapturing(
    _ configuration: SpawnConfiguration, mergeError: Bool = false
) async throws -> (output: String, status: TerminationStatus, execErrno: Int32) {
    var configuration = configuration
    let output = cloexecPipe()
    configuration.standardOutput = .descriptor(output.write)
    if mergeError { configuration.standardError = .descriptor(output.write) }
    let child: SpawnedProcess
    do {
        child = try ProcessSpawner.spawn(configuration)
    } catch {
        close(output.read)
        close(output.write)
        throw error
    }
    close(output.write)
    if child.pidfd >= 0 { close(child.pidfd) }
    let (pid, read) = (child.pid, output.read)
    let (text, status) = await offCooperativePool { (readToEnd(read), waitForExit(pid)) }
    return (text, status, child.launch?.execErrno ?? 0)
}

/// `/bin/sh -c script`, with `arguments` as `$0`, `$1`, …
func shell(_ script: String, _ arguments: String..., strategy: SpawnConfiguration.Strategy) -> SpawnConfiguration {
    var configuration = SpawnConfiguration(executable: "/bin/sh", arguments: ["sh", "-c", script] + arguments)
    configuration.strategy = strategy
    return configuration
}

/// NUL-terminated copies of environment entries, freed with their owner.
final class PreparedEnvironment {
    let pointers: [UnsafeMutablePointer<CChar>?]
    init(_ entries: [String]) { pointers = entries.map { strdup($0) } }
    deinit { pointers.forEach { free($0) } }
}

@Suite("ProcessSpawner")
struct ProcessSpawnerTests {
    @Test("runs the executable with the arguments and environment given", arguments: spawnStrategies)
    func argumentsAndEnvironment(strategy: SpawnConfiguration.Strategy) async throws {
        var configuration = shell("printf '%s|%s|%s' \"$0\" \"$1\" \"$PK_SPAWN\"", "zero", "one", strategy: strategy)
        configuration.environment = .entries([Array("PK_SPAWN=yes".utf8)])
        #expect(try await spawnCapturing(configuration).output == "zero|one|yes")

        let base = PreparedEnvironment(["PK_BASE=b", "PK_OTHER=o"])
        configuration = shell("printf '%s%s%s' \"$PK_BASE\" \"$PK_OTHER\" \"$PK_EXTRA\"", strategy: strategy)
        configuration.environment = .prepared(base: base.pointers, owner: base, extra: [Array("PK_EXTRA=e".utf8)])
        #expect(try await spawnCapturing(configuration).output == "boe")

        configuration = shell("printf '%s' \"$PATH\"", strategy: strategy)
        #expect(try await spawnCapturing(configuration).output == String(cString: getenv("PATH")))
    }

    @Test("standard input from /dev/null, standard error to a descriptor", arguments: spawnStrategies)
    func standardDescriptors(strategy: SpawnConfiguration.Strategy) async throws {
        var configuration = shell("cat; echo end; echo oops >&2", strategy: strategy)
        configuration.standardInput = .devNull
        #expect(try await spawnCapturing(configuration, mergeError: true).output == "end\noops\n")
    }

    @Test("passes descriptors under the numbers asked for and closes every other one", arguments: spawnStrategies)
    func descriptorHygiene(strategy: SpawnConfiguration.Strategy) async throws {
        // A descriptor without close-on-exec, as another library might leave open.
        var leak: [Int32] = [-1, -1]
        #expect(pipe(&leak) == 0)
        defer { leak.forEach { close($0) } }
        let leaked = try #require(descriptorTarget("/proc/self/fd/\(leak[1])"))
        for closing in [true, false] {
            let passed = cloexecPipe()
            let input = cloexecPipe()
            var configuration = shell("echo passed >&5; read line || true", strategy: strategy)
            configuration.standardInput = .descriptor(input.read)
            configuration.passedDescriptors = [.init(parent: passed.write, child: 5)]
            configuration.closeOtherDescriptors = closing
            let child = try ProcessSpawner.spawn(configuration)
            close(passed.write)
            close(input.read)
            let readEnd = passed.read
            let line = await offCooperativePool { readLine(readEnd) }
            #expect(line == "passed")
            let inherited = descriptorTarget("/proc/\(child.pid)/fd/\(leak[1])") == leaked
            #expect(inherited == !closing)
            close(input.write)
            let pid = child.pid
            #expect(await offCooperativePool { waitForExit(pid) } == .exited(0))
            close(passed.read)
            withExtendedLifetime(child.launch) {}
        }
    }

    @Test("a process group of its own, or the parent's", arguments: spawnStrategies)
    func processGroups(strategy: SpawnConfiguration.Strategy) async throws {
        for group in [SpawnConfiguration.ProcessGroup.new, .inherit] {
            let input = cloexecPipe()
            var configuration = shell("read line || true", strategy: strategy)
            configuration.standardInput = .descriptor(input.read)
            configuration.processGroup = group
            let child = try ProcessSpawner.spawn(configuration)
            close(input.read)
            #expect(getpgid(child.pid) == (group == .new ? child.pid : getpgrp()))
            close(input.write)
            let pid = child.pid
            #expect(await offCooperativePool { waitForExit(pid) } == .exited(0))
            withExtendedLifetime(child.launch) {}
        }
    }

    @Test("no signal blocked; an ignored signal stays ignored unless put back to its default", arguments: spawnStrategies)
    func signals(strategy: SpawnConfiguration.Strategy) async throws {
        let previous = signal(SIGUSR1, SIG_IGN)
        defer { signal(SIGUSR1, previous) }
        var blocked = sigset_t()
        var saved = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGUSR2)
        pthread_sigmask(SIG_BLOCK, &blocked, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        let bit: UInt64 = 1 << UInt64(SIGUSR1 - 1)
        for reset in [false, true] {
            var configuration = SpawnConfiguration(executable: "/bin/cat", arguments: ["cat", "/proc/self/status"])
            configuration.strategy = strategy
            if reset { configuration.signalsToDefault = SignalSet(signal: SIGUSR1) }
            let status = try await spawnCapturing(configuration).output
            let ignored = try #require(statusMask("SigIgn", in: status))
            #expect((ignored & bit != 0) == !reset)
            #expect(statusMask("SigBlk", in: status) == 0)
        }
    }

    @Test("a pidfd when asked for, readable once the child has ended", arguments: spawnStrategies)
    func pidfds(strategy: SpawnConfiguration.Strategy) async throws {
        var configuration = shell("exit 3", strategy: strategy)
        configuration.wantsPIDFD = true
        let child = try ProcessSpawner.spawn(configuration)
        #expect(child.pidfd >= 0)
        let pidfd = child.pidfd
        let readable = await offCooperativePool { () -> Bool in
            var poller = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
            return (try? systemCall("poll") { poll(&poller, 1, 10_000) }) == 1
        }
        #expect(readable)
        close(pidfd)
        let pid = child.pid
        #expect(await offCooperativePool { waitForExit(pid) } == .exited(3))
        withExtendedLifetime(child.launch) {}

        configuration.wantsPIDFD = false
        let plain = try ProcessSpawner.spawn(configuration)
        #expect(plain.pidfd == -1)
        let plainPID = plain.pid
        #expect(await offCooperativePool { waitForExit(plainPID) } == .exited(3))
        withExtendedLifetime(plain.launch) {}
    }

    @Test("a program that does not exist: posix_spawn throws, a clone's child exits 127 with the errno")
    func missingProgram() async throws {
        var configuration = SpawnConfiguration(executable: "/nonexistent/program", arguments: ["program"])
        #expect(throws: SystemError(call: "posix_spawn", errno: ENOENT)) { _ = try ProcessSpawner.spawn(configuration) }
        configuration.strategy = .cloneWithoutWaiting
        let result = try await spawnCapturing(configuration)
        #expect(result.status == .exited(127) && result.execErrno == ENOENT)
    }

    @Test("an executable with no #! runs under the shell fallback, and fails without one", arguments: spawnStrategies)
    func shellFallback(strategy: SpawnConfiguration.Strategy) async throws {
        let path = "/tmp/pk-spawn-script-\(getpid())-\(strategy == .posixSpawn ? "p" : "c")"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        #expect(fd >= 0)
        try writeAll(fd, Array("echo \"fallback $1\"\n".utf8))
        close(fd)
        defer { unlink(path) }
        var configuration = SpawnConfiguration(executable: path, arguments: ["script", "one"])
        configuration.strategy = strategy
        configuration.shellFallback = Array("/bin/sh".utf8)
        let result = try await spawnCapturing(configuration)
        #expect(result.output == "fallback one\n" && result.status == .exited(0))
        configuration.shellFallback = nil
        if strategy == .posixSpawn {
            #expect(throws: SystemError(call: "posix_spawn", errno: ENOEXEC)) { _ = try ProcessSpawner.spawn(configuration) }
        } else {
            let failed = try await spawnCapturing(configuration)
            #expect(failed.status == .exited(127) && failed.execErrno == ENOEXEC)
        }
    }

    @Test("signal sets and the first descriptor that closeOtherDescriptors closes")
    func configurationValues() {
        var set = SignalSet([SIGINT, SIGTERM])
        #expect(set.contains(SIGINT) && set.contains(SIGTERM) && !set.contains(SIGPIPE) && !set.contains(0) && !set.contains(65))
        set.insert(SIGPIPE)
        #expect(set.mask == (1 << 1) | (1 << 14) | (1 << 12))
        #expect(SignalSet(signal: 64).mask == 1 << 63)
        var configuration = SpawnConfiguration(executable: "/bin/true", arguments: ["true"])
        #expect(configuration.firstOtherDescriptor == 3)
        configuration.passedDescriptors = [.init(parent: 40, child: 7), .init(parent: 41, child: 4)]
        #expect(configuration.firstOtherDescriptor == 8)
    }
}

/// A hexadecimal mask line (`SigIgn:\t0000000000001000`) of `/proc/…/status`.
func statusMask(_ name: String, in status: String) -> UInt64? {
    for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
        return UInt64(String(line.dropFirst(name.count + 1).filter { !$0.isWhitespace }), radix: 16)
    }
    return nil
}
