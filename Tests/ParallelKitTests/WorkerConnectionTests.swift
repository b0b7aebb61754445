import Foundation
import ParallelKitSystem
import ParallelKitTestSupport
import ParallelKitTestTasks
import Testing

@_spi(Backend) @testable import ParallelKit

/// The processes whose process group is `group`, zombies left out.
func processesInGroup(_ group: Int32) -> [Int32] {
    processList { $0.group == group }
}

/// The processes of session `session`, zombies left out.
func processesInSession(_ session: Int32) -> [Int32] {
    processList { $0.session == session }
}

/// The live (not zombie) processes in /proc whose `stat` fields satisfy `isIncluded`.
private func processList(_ isIncluded: ((group: Int32, session: Int32)) -> Bool) -> [Int32] {
    let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
    return pids.filter { pid in
        guard let stat = SmallFile.text("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
        // After the command: state, ppid, pgrp, session.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 3, fields[0] != "Z", let group = Int32(fields[2]), let session = Int32(fields[3]) else { return false }
        return isIncluded((group, session))
    }.sorted()
}

/// Reads `fd` until end of file or until `limit` has passed: what was read, and whether the end
/// came (every writer closed its end).
func readToEnd(_ fd: Int32, within limit: Duration) async -> (bytes: [UInt8], reachedEnd: Bool) {
    await offCooperativePool {
        let deadline = ContinuousClock.now + limit
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let got = read(fd, &chunk, chunk.count)
            if got <= 0 { return (bytes, true) }
            bytes += chunk[0..<got]
        }
        return (bytes, false)
    }
}

/// A fresh directory for a test's files.
func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "pk-death-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

// The suite is declared in TestSupport.swift, with the other suites that ProcessPoolSuites runs one at a time.
extension ProcessPoolSuites.WorkerConnectionTests {
    @Test(
        "13.2: a worker that exits while its child holds its descriptors fails its batch at once; the child dies with it",
        arguments: [LeftChild.shellBackground, .holdingSocket])
    func deathSeenFromThePID(child: LeftChild) async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pool = try await testPool(workers: 1)
        let input = LeaveChildAndExitTask.Input(
            child: child, sleepSeconds: 60, pidFile: directory + "/pid", exitTimeFile: directory + "/exit")
        let started = ContinuousClock.now
        var crashed: BackendError?
        do {
            _ = try await pool.apply(LeaveChildAndExitTask.self, input)
            Issue.record("the batch did not fail")
        } catch {
            crashed = error
        }
        // The child sleeps 60 s holding the socket: only the worker's pid can end this sooner.
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(crashed?.code == .workerCrashed && crashed?.status == .exited(3))
        let childPID = Int32(SmallFile.text(directory + "/pid")?.filter(\.isNumber) ?? "") ?? -1
        #expect(childPID > 0)
        // The child was in the worker's process group, which ended with the worker.
        let group = crashed?.pid ?? -1
        #expect(await eventually(within: .seconds(2)) { processIsGone(childPID) && processesInGroup(group).isEmpty })
        pool.close()
        await pool.join()
    }

    @Test("13.2: each worker leads a process group of its own; what a task starts ends with the pool")
    func groupEndsWithThePool() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pool = try await testPool(workers: 1)
        let worker = pool.workerPIDs[0]
        #expect(try await pool.apply(ProcessGroupTask.self, 0) == [worker, getsid(0)])
        let input = LeaveChildAndExitTask.Input(child: .shellBackground, sleepSeconds: 60, pidFile: directory + "/pid", thenExit: false)
        let childPID = try await pool.apply(LeaveChildAndExitTask.self, input)
        #expect(childPID > 0 && !processIsGone(childPID))
        #expect(processesInGroup(worker).contains(childPID))
        pool.close()
        await pool.join()
        #expect(await eventually(within: .seconds(2)) { processIsGone(childPID) && processesInGroup(worker).isEmpty })
    }

    @Test("13.3: an initializer that crashes fails creation fast, every time, leaving no process and no pipe held")
    func crashingInitializer() async throws {
        // The drill runs as a session leader (setsid), so that everything it and its workers
        // start — Swift's swift-backtrace included — is found by its session.
        let program = Process()
        program.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        program.arguments = ["-w", testWorkerPath(), "crash-initializer", "5"]
        let output = Pipe()
        let errors = Pipe()
        program.standardOutput = output
        program.standardError = errors
        try program.run()
        let outputFD = output.fileHandleForReading.fileDescriptor
        let errorFD = errors.fileHandleForReading.fileDescriptor
        // Today a try could stall 30 s; five take well under a minute when none does.
        async let standardError = readToEnd(errorFD, within: .seconds(60))
        let (bytes, reachedEnd) = await readToEnd(outputFD, within: .seconds(60))
        let text = String(decoding: bytes, as: UTF8.self)
        // `prog | cat` ends: every holder of the program's standard output has gone.
        #expect(reachedEnd, "standard output still held: \(text)")
        let (errorBytes, errorsEnded) = await standardError
        #expect(errorsEnded)
        await offCooperativePool { program.waitUntilExit() }
        let runs = text.split(separator: "\n").filter { $0.hasPrefix("run ") }
        #expect(runs.count == 5, "\(text)")
        for run in runs {
            // "run N: creation failed after X ms, … processes left: 0 [] (…)"
            let milliseconds = run.split(separator: " ").dropFirst(5).first.flatMap { Double($0) } ?? .infinity
            #expect(milliseconds < 10_000, "\(run)")
            #expect(run.contains("processes left: 0 "), "\(run)")
            #expect(!run.contains("(created)"), "\(run)")
        }
        // The crash is still reported, with its message.
        #expect(String(decoding: errorBytes, as: UTF8.self).contains("the initializer crashes on purpose"))
        if let session = text.split(separator: "\n").first(where: { $0.hasPrefix("session ") }).flatMap({ Int32($0.dropFirst(8)) }) {
            #expect(processesInSession(session).isEmpty)
        } else {
            Issue.record("no session line: \(text)")
        }
    }

    @Test("13.7: a parent started with SIGINT ignored keeps its workers through a SIGINT to its group and to them")
    func ignoredSignalsStayIgnored() async throws {
        let parent = Process()
        parent.executableURL = URL(fileURLWithPath: "/bin/sh")
        // As `prog &` in a script does: SIGINT ignored, inherited through exec.
        parent.arguments = ["-c", "trap '' INT; exec \"$0\" parent own-group", testWorkerPath()]
        let output = Pipe()
        parent.standardOutput = output
        try parent.run()
        defer { kill(parent.processIdentifier, SIGKILL) }
        let reading = output.fileHandleForReading
        let line = await offCooperativePool { readLine(reading.fileDescriptor) }
        let workers = line.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(workers.count == 2)
        let group = parent.processIdentifier
        #expect(processesInGroup(group).contains(group))  // in a group of its own: signalling it spares us
        kill(-group, SIGINT)
        for worker in workers { kill(worker, SIGINT) }
        try await Task.sleep(for: .milliseconds(500))
        #expect(workers.allSatisfy { !processIsGone($0) })
        #expect(parent.isRunning)
        kill(parent.processIdentifier, SIGKILL)
        #expect(await eventually(within: .seconds(2)) { workers.allSatisfy(processIsGone) })
    }

    @Test("13.8: handshakeTimeout bounds a worker that never says hello, and the worker is gone after")
    func handshakeTimeout() async throws {
        let started = ContinuousClock.now
        await #expect {
            _ = try await ProcessPool(workers: 1, executable: "/bin/sleep", arguments: ["60"], handshakeTimeout: .milliseconds(300))
        } throws: { error in
            (error as? BackendError)?.code == .handshakeRefused
        }
        // The default is 30 s; the worker would sleep 60.
        #expect(ContinuousClock.now - started < .seconds(10))
        let me = getpid()
        #expect(
            await eventually(within: .seconds(2)) {
                processList(parent: me).allSatisfy { SmallFile.text("/proc/\($0)/comm") != "sleep\n" }
            })
    }

    @Test("a worker from another build, or without the task, is refused")
    func handshakes() async throws {
        await #expect(throws: BackendError.self) { _ = try await testPool(accepting: .build("another-build")) }
        let pool = try await testPool()
        defer { pool.terminate() }
        await #expect {
            _ = try await pool.apply(UnregisteredTask.self, 1)
        } throws: { error in
            if let failure = error as? BackendError, failure.code == .taskNotRegistered, let why = failure.detail { return why.contains("UnregisteredTask") }
            return false
        }
    }

    @Test("a batch over taskTimeout fails with a timeout and its worker is replaced")
    func timeouts() async throws {
        let pool = try await testPool(taskTimeout: .milliseconds(300))
        defer { pool.terminate() }
        let start = ContinuousClock.now
        await #expect {
            _ = try await pool.apply(SleepTask.self, 20_000)
        } throws: { error in
            guard let failure = error as? BackendError, failure.code == .timedOut, let tasks = failure.tasks, let timeout = failure.timeout else { return false }
            return tasks == 0..<1 && timeout == .milliseconds(300)
        }
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(try await pool.apply(SleepTask.self, 1) == 1)
    }

    @Test("a reply that cannot be decoded fails its task clearly, never hangs")
    func undecodableReply() async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        await #expect {
            _ = try await pool.apply(CorruptReplyTask.self, 0)
        } throws: { error in
            if let failure = error as? BackendError, failure.code == .undecodable { return failure.tasks == 0..<1 }
            return false
        }
        #expect(try await pool.apply(SquareTask.self, 5) == 25)
    }

    @Test("a worker inherits no descriptor of the parent but its socket and standard streams")
    func workersInheritNoDescriptors() async throws {
        // A pipe without close-on-exec, as another library might leave open (Foundation's
        // Process watches its child's exit through such a socket).
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)
        defer { ends.forEach { close($0) } }
        let leaked = try #require(descriptorTarget("/proc/self/fd/\(ends[1])"))
        let pool = try await testPool()
        defer { pool.terminate() }
        #expect(pool.workerPIDs.count == 2)
        for pid in pool.workerPIDs {
            let entries = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
            let targets = entries.compactMap { descriptorTarget("/proc/\(pid)/fd/\($0)") }
            #expect(!targets.isEmpty)
            #expect(!targets.contains(leaked), "worker \(pid) holds the parent's pipe")
        }
    }

    @Test("workers die with their parent: SIGKILL, SIGTERM or Ctrl-C (SIGINT), all gone within a second", arguments: [SIGKILL, SIGTERM, SIGINT])
    func parentDeath(signal: Int32) async throws {
        let parent = Process()
        parent.executableURL = URL(fileURLWithPath: testWorkerPath())
        parent.arguments = ["parent"]
        let output = Pipe()
        parent.standardOutput = output
        try parent.run()
        let reading = output.fileHandleForReading
        let line = await offCooperativePool { readLine(reading.fileDescriptor) }
        let pids = line.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(pids.count == 2)
        #expect(pids.allSatisfy { !processIsGone($0) })
        kill(parent.processIdentifier, signal)
        // The wait and its one-second bound run off the cooperative pool, where the bound holds
        // however busy other tests keep the pool.
        let gone = await offCooperativePool { () -> Bool in
            parent.waitUntilExit()
            let deadline = ContinuousClock.now + .seconds(1)
            while ContinuousClock.now < deadline && !pids.allSatisfy(processIsGone) { usleep(10_000) }
            return pids.allSatisfy(processIsGone)
        }
        #expect(gone)
    }
}

/// The live children of `parent`.
func processList(parent: Int32) -> [Int32] {
    let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
    return pids.filter { pid in
        guard let stat = SmallFile.text("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 && fields[0] != "Z" && Int32(fields[1]) == parent
    }
}

/// A task the test worker does not register.
struct UnregisteredTask: WorkerTask {
    static func run(_ input: Int) -> Int { input }
}
