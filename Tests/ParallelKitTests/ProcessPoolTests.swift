import Foundation
import ParallelKitTestTasks
import Synchronization
import ParallelKitSystem
import Testing

@_spi(Backend) @testable import ParallelKit

#if canImport(Glibc)
import Glibc
#endif

/// The test worker executable built next to the test bundle.
func testWorkerPath() -> String { siblingExecutable("ParallelKitTestWorker") }

/// A pool of test workers.
func testPool(
    workers: Workers = 2, initializer: WorkerInitializer? = nil, maxTasksPerWorker: Int? = nil,
    taskTimeout: Duration? = nil, retries: Int = 0, accepting: AcceptedBuild = testWorkerBuild()
) async throws(BackendError) -> ProcessPool {
    WorkerTasks.register(allTestTasks)
    return try await ProcessPool(
        workers: workers, executable: testWorkerPath(), initializer: initializer, maxTasksPerWorker: maxTasksPerWorker,
        taskTimeout: taskTimeout, retries: retries, accepting: accepting)
}

/// A task the test worker does not register.
struct UnregisteredTask: WorkerTask {
    static func run(_ input: Int) -> Int { input }
}

/// Whether process `pid` is gone (or a zombie waiting for init to reap it).
func processIsGone(_ pid: Int32) -> Bool {
    guard let stat = SmallFile.text("/proc/\(pid)/stat") else { return true }
    guard let close = stat.lastIndex(of: ")") else { return true }
    return stat[stat.index(close, offsetBy: 2)] == "Z"
}

@Suite("ProcessPool", .serialized)
struct ProcessPoolTests {
    @Test("map equals the serial result, in order, for every batching", arguments: [.adaptive, .fixed(1), .fixed(7), .fixed(1000)] as [Chunking])
    func mapMatchesSerial(chunking: Chunking) async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        for size in [0, 1, 2, 97, 20_000] {
            let inputs = Array(0..<size)
            #expect(try await pool.map(SquareTask.self, inputs, chunking: chunking) == inputs.map { $0 * $0 })
        }
    }

    @Test("apply, submit with callbacks, submitMap, and starmap through an input struct")
    func callStyles() async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        #expect(try await pool.apply(SquareTask.self, 12) == 144)
        #expect(try await pool.apply(CountInRangeTask.self, .init(row: [1, 4, 5, 8, 9])) == 3)

        let succeeded = CompletionInbox<Int>()
        let handle = try pool.submit(SquareTask.self, 9, onSuccess: { succeeded.push($0) })
        #expect(await succeeded.next() == 81)
        #expect(try await handle.value == 81)

        let failed = CompletionInbox<BackendError>()
        try pool.submit(EvenOnlyTask.self, 3, onFailure: { failed.push($0) })
        let failure = await failed.next()
        guard failure.code == .taskFailed, let remote = failure.taskError, let task = failure.taskIndex else {
            Issue.record("expected taskFailed")
            return
        }
        #expect(task == 0 && remote.typeName.hasSuffix("OddInputError") && remote.message == "odd input 3")

        let rows = (0..<500).map { [$0 % 10, ($0 * 7) % 10, 4, 9, 1] }
        let counts = try await pool.submitMap(CountInRangeTask.self, rows.map { .init(row: $0) }).value
        #expect(counts == rows.map { row in row.filter { (4...8).contains($0) }.count })
    }

    @Test("stream delivers in order and streamUnordered delivers every item exactly once", arguments: [.fixed(1), .fixed(16), .adaptive] as [Chunking])
    func streams(chunking: Chunking) async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        var ordered: [Int] = []
        for try await value in pool.stream(SquareTask.self, 0..<1000, chunking: chunking) { ordered.append(value) }
        #expect(ordered == (0..<1000).map { $0 * $0 })
        var seen = [Int](repeating: 0, count: 1000)
        for try await (index, value) in pool.streamUnordered(SquareTask.self, 0..<1000, chunking: chunking) {
            #expect(value == index * index)
            seen[index] += 1
        }
        #expect(seen.allSatisfy { $0 == 1 })
    }

    @Test("stream reads an endless input lazily and stops when the loop does")
    func streamEndless() async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        let pulled = Counter()
        let endless = sequence(first: 0) { value in
            pulled.increment()
            return value + 1
        }
        var taken = 0
        for try await value in pool.stream(SquareTask.self, endless, chunking: .fixed(4), maxBuffered: 12) {
            #expect(value == taken * taken)
            taken += 1
            if taken == 200 { break }
        }
        #expect(pulled.count <= 200 + 4 * 3 + 4)
    }

    @Test("a task's error comes back with its type, message and index; the pool goes on")
    func taskErrors() async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        await #expect {
            _ = try await pool.map(EvenOnlyTask.self, [2, 4, 6, 7, 8], chunking: .fixed(2))
        } throws: { error in
            guard let failure = error as? BackendError, failure.code == .taskFailed, let remote = failure.taskError, let task = failure.taskIndex else { return false }
            return task == 3 && remote.typeName.hasSuffix("OddInputError") && remote.message == "odd input 7"
        }
        #expect(try await pool.map(EvenOnlyTask.self, [2, 4]) == [1, 2])
    }

    @Test("a worker that crashes fails only its tasks, naming pid and signal; a replacement takes over",
          arguments: [CrashMode.fatalError, .exitCode, .sigkill])
    func crashes(mode: CrashMode) async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        let before = pool.workerPIDs
        await #expect {
            _ = try await pool.map(CrashTask.self, [.value(1), .crash(mode)], chunking: .fixed(1))
        } throws: { error in
            guard let failure = error as? BackendError, failure.code == .workerCrashed, let pid = failure.pid, let exit = failure.status, let tasks = failure.tasks else { return false }
            let expectedExit: Bool
            switch mode {
            case .exitCode: expectedExit = exit == .exited(7)
            case .sigkill: expectedExit = exit == .signaled(SIGKILL)
            default: expectedExit = exit == .signaled(SIGILL) || exit == .signaled(SIGTRAP) || exit == .signaled(SIGABRT)
            }
            return before.contains(pid) && tasks == 1..<2 && expectedExit
        }
        #expect(try await pool.map(SquareTask.self, Array(0..<100)) == (0..<100).map { $0 * $0 })
    }

    @Test("retries re-run the batches of a crashed worker")
    func retries() async throws {
        let pool = try await testPool(retries: 1)
        defer { pool.terminate() }
        // The first attempt of this batch crashes its worker; the pool retries it once, which
        // crashes again, so the call still fails — but with a crash, after two workers died.
        await #expect(throws: BackendError.self) {
            _ = try await pool.apply(CrashTask.self, .crash(.exitCode))
        }
        #expect(try await pool.apply(SquareTask.self, 3) == 9)
    }

    @Test("kill -9 of a random worker during a 100,000-task map: the call returns and the pool is usable")
    func killDuringMap() async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        for _ in 0..<10 {
            let inputs = Array(0..<100_000)
            let delay = Int.random(in: 1...20)
            let killer = Task {
                try? await Task.sleep(for: .milliseconds(delay))
                if let victim = pool.workerPIDs.randomElement() {
                    kill(victim, SIGKILL)
                    // kill returns before the process is dead; wait until it is (a zombie).
                    for _ in 0..<1000 where !processIsGone(victim) { usleep(1000) }
                }
            }
            do {
                let squares = try await pool.map(SquareTask.self, inputs, chunking: .fixed(500))
                #expect(squares == inputs.map { $0 * $0 })
            } catch {
                guard error.code == .workerCrashed, error.status == .signaled(SIGKILL) else {
                    Issue.record("unexpected error \(error)")
                    break
                }
            }
            await killer.value
            #expect(try await pool.map(SquareTask.self, [1, 2, 3]) == [1, 4, 9])
        }
    }

    @Test("a worker killed while idle is replaced before its next batch, which succeeds")
    func idleWorkerDeath() async throws {
        let pool = try await testPool(workers: 1)
        defer { pool.terminate() }
        let victim = try #require(pool.workerPIDs.first)
        kill(victim, SIGKILL)
        for _ in 0..<1000 where !processIsGone(victim) { usleep(1000) }
        #expect(try await pool.apply(SquareTask.self, 6) == 36)
        #expect(pool.workerPIDs != [victim])
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

    @Test("the initializer runs in every worker; one that throws makes creation throw, with no worker left")
    func initializers() async throws {
        let pool = try await testPool(initializer: WorkerInitializer(InitializeTask.self, "ready"))
        #expect(try await pool.map(ReadInitializedTask.self, [0, 1, 2, 3], chunking: .fixed(1)) == ["ready", "ready", "ready", "ready"])
        pool.terminate()

        let childrenBefore = childProcesses()
        await #expect {
            _ = try await testPool(initializer: WorkerInitializer(InitializeTask.self, "fail"))
        } throws: { error in
            guard let failure = error as? BackendError, failure.code == .initializerFailed, let remote = failure.taskError else { return false }
            return remote.typeName.hasSuffix("InitializerFailed")
        }
        #expect(childProcesses().subtracting(childrenBefore).isEmpty)
    }

    @Test("maxTasksPerWorker replaces workers after that many batches")
    func recycling() async throws {
        let pool = try await testPool(workers: 1, maxTasksPerWorker: 2)
        defer { pool.terminate() }
        let pids = try await pool.map(PIDTask.self, Array(0..<6), chunking: .fixed(1))
        #expect(Set(pids).count == 3)
        #expect(pids[0] == pids[1] && pids[2] == pids[3] && pids[4] == pids[5])
    }

    @Test("a worker from another build, or without the task, is refused")
    func handshakes() async throws {
        await #expect(throws: BackendError.self) { _ = try await testPool(accepting: .build("another-build")) }
        let pool = try await testPool()
        defer { pool.terminate() }
        await #expect {
            _ = try await pool.apply(UnregisteredTask.self, 1)
        } throws: { error in
            if let failure = error as? BackendError, failure.code == .handshakeRefused, let why = failure.detail { return why.contains("UnregisteredTask") }
            return false
        }
    }

    @Test("cancelling the calling task stops dispatch and fails the call with .cancelled")
    func cancellation() async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        let call = Task { try await pool.map(SleepTask.self, Array(repeating: 50, count: 100), chunking: .fixed(1)) }
        try await Task.sleep(for: .milliseconds(120))
        call.cancel()
        let start = ContinuousClock.now
        let result = await call.result
        #expect(throws: BackendError.cancelled) { try result.get() }
        #expect(ContinuousClock.now - start < .seconds(2))

        // An apply from a task already cancelled sends nothing: a PID task would answer.
        let applied = Task { () async throws(BackendError) -> Int32 in
            while !Task.isCancelled { await Task.yield() }
            return try await pool.apply(PIDTask.self, 0)
        }
        applied.cancel()
        await #expect(throws: BackendError.cancelled) { _ = try await applied.value }
    }

    @Test("close refuses new work, join waits for the rest, terminate stops now")
    func lifecycle() async throws {
        let pool = try await testPool()
        let pending = try pool.submitMap(SleepTask.self, [100, 100, 100], chunking: .fixed(1))
        pool.close()
        await #expect(throws: BackendError.closed) { _ = try await pool.apply(SquareTask.self, 1) }
        await pool.join()
        #expect(try await pending.value == [100, 100, 100])
        #expect(pool.workerPIDs.isEmpty)

        let busy = try await testPool()
        let long = try busy.submitMap(SleepTask.self, [30_000, 30_000], chunking: .fixed(1))
        try await Task.sleep(for: .milliseconds(200))
        let start = ContinuousClock.now
        busy.terminate()
        await #expect(throws: FutureError<BackendError>.failed(.closed)) { _ = try await long.value }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test("apply from the calling thread: long tasks, more calls than workers, close and terminate mid-call")
    func applyOnCallingThread() async throws {
        let pool = try await testPool()
        // More concurrent calls than workers: some drive an idle worker, the rest are queued.
        let squares = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for value in 0..<40 { group.addTask { (value, try await pool.apply(SquareTask.self, value)) } }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(squares == Dictionary(uniqueKeysWithValues: (0..<40).map { ($0, $0 * $0) }))
        // Longer than the caller polls: the answer is awaited on a thread of its own.
        #expect(try await pool.apply(SleepTask.self, 50) == 50)
        // close() while such a call runs: it still finishes, and join() waits for it.
        let running = Task { try await pool.apply(SleepTask.self, 300) }
        try await Task.sleep(for: .milliseconds(100))
        pool.close()
        await pool.join()
        #expect(try await running.value == 300)
        #expect(pool.workerPIDs.isEmpty)

        // terminate() while such a call runs: it fails with .closed at once, never hangs.
        try await expectTerminateEndsCall { pool throws(BackendError) in try await pool.apply(SleepTask.self, 30_000) }
    }

    /// Starts `call` on a fresh pool, terminates the pool 200 ms later, and expects the call to
    /// fail with `.closed` within 5 s, leaving no worker.
    private func expectTerminateEndsCall<Output: Sendable>(
        _ call: @escaping @Sendable (ProcessPool) async throws(BackendError) -> Output
    ) async throws {
        let pool = try await testPool()
        let stopped = Task { () async throws(BackendError) -> Output in try await call(pool) }
        try await Task.sleep(for: .milliseconds(200))
        let start = ContinuousClock.now
        pool.terminate()
        await #expect(throws: BackendError.closed) { _ = try await stopped.value }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(pool.workerPIDs.isEmpty)
    }

    @Test("a map with no more batches than idle workers is sent from the calling thread: concurrent, ordered, failures as queued")
    func mapOnCallingThread() async throws {
        let pool = try await testPool(retries: 1)
        defer { pool.terminate() }
        let workers = pool.workerPIDs
        // Both batches start before either ends: they were sent at once, not one after the other.
        let intervals = try await pool.map(IntervalTask.self, [300, 300])
        #expect(intervals.count == 2)
        #expect(max(intervals[0][0], intervals[1][0]) < min(intervals[0][1], intervals[1][1]))
        #expect(try await pool.map(SquareTask.self, [3, 4]) == [9, 16])
        #expect(try await pool.map(SquareTask.self, [1, 2, 3, 4], chunking: .fixed(2)) == [1, 4, 9, 16])
        // Batches over 64 KiB are queued as encoded, in order.
        let rows = [Array(repeating: 5, count: 20_000), Array(repeating: 9, count: 30_000)]
        #expect(try await pool.map(CountInRangeTask.self, rows.map { .init(row: $0) }) == [20_000, 0])
        #expect(try await pool.apply(CountInRangeTask.self, .init(row: rows[1] + rows[0])) == 20_000)
        // A task that throws fails the call with its index; both workers are lent again.
        await #expect {
            _ = try await pool.map(EvenOnlyTask.self, [2, 7])
        } throws: { error in
            guard let failure = error as? BackendError, failure.code == .taskFailed, let remote = failure.taskError, let task = failure.taskIndex else { return false }
            return task == 1 && remote.message == "odd input 7"
        }
        #expect(pool.workerPIDs == workers)
        #expect(try await pool.map(PIDTask.self, [0, 1]).sorted() == workers)
        // One worker busy: the map is queued instead, and still correct.
        let busy = Task { try await pool.apply(SleepTask.self, 300) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await pool.map(SquareTask.self, [5, 6]) == [25, 36])
        #expect(try await busy.value == 300)
        // A crash is retried (retries: 1) on a replacement, after the other batch's answer.
        await #expect(throws: BackendError.self) {
            _ = try await pool.map(CrashTask.self, [.value(1), .crash(.exitCode)])
        }
        #expect(try await pool.map(SquareTask.self, [7, 8]) == [49, 64])

        // terminate() during a handed-over map: it fails with .closed at once, never hangs.
        try await expectTerminateEndsCall { pool throws(BackendError) in try await pool.map(SleepTask.self, [30_000, 30_000]) }
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

    @Test("withProcessPool cleans up on return and on a thrown error")
    func structured() async throws {
        WorkerTasks.register(allTestTasks)
        var pids: [Int32] = []
        let value = try await withProcessPool(workers: 2, executable: testWorkerPath(), accepting: testWorkerBuild()) { pool in
            pids = pool.workerPIDs
            return try await pool.apply(SquareTask.self, 7)
        }
        #expect(value == 49)
        #expect(pids.count == 2 && pids.allSatisfy(processIsGone))
        struct Stop: Error {}
        await #expect(throws: Stop.self) {
            try await withProcessPool(workers: 2, executable: testWorkerPath(), accepting: testWorkerBuild()) { pool in
                pids = pool.workerPIDs
                throw Stop()
            }
        }
        #expect(pids.allSatisfy(processIsGone))
    }

    @Test("no zombie, no leaked file descriptor after pools close")
    func noLeaks() async {
        await #expect(processExitsWith: .success) {
            WorkerTasks.register(allTestTasks)
            // One full cycle first: the runtime opens some descriptors lazily (on the first
            // suspension or timer), which would otherwise count as a leak.
            if let warmUp = try? await ProcessPool(workers: 2, executable: testWorkerPath(), accepting: testWorkerBuild()) {
                _ = try? await warmUp.map(SquareTask.self, Array(0..<1000))
                try? await Task.sleep(for: .milliseconds(1))
                warmUp.close()
                await warmUp.join()
            }
            let descriptors = openDescriptorCount()
            for _ in 0..<3 {
                guard let pool = try? await ProcessPool(workers: 2, executable: testWorkerPath(), accepting: testWorkerBuild()) else { exit(2) }
                _ = try? await pool.map(SquareTask.self, Array(0..<1000))
                _ = try? await pool.apply(CrashTask.self, .crash(.sigkill))
                pool.close()
                await pool.join()
            }
            do {
                let terminated = try? await ProcessPool(workers: 2, executable: testWorkerPath(), accepting: testWorkerBuild())
                terminated?.terminate()
            }
            // terminate() returns before its threads have let go of their sockets: wait, bounded.
            for _ in 0..<300 {
                if childProcesses().isEmpty && openDescriptorCount() == descriptors { exit(EXIT_SUCCESS) }
                usleep(10_000)
            }
            exit(childProcesses().isEmpty ? 4 : 3)
        }
    }

    @Test("workers die with their parent: SIGKILL, SIGTERM or Ctrl-C (SIGINT), all gone within a second", arguments: [SIGKILL, SIGTERM, SIGINT])
    func parentDeath(signal: Int32) throws {
        let parent = Process()
        parent.executableURL = URL(fileURLWithPath: testWorkerPath())
        parent.arguments = ["parent"]
        let output = Pipe()
        parent.standardOutput = output
        try parent.run()
        let line = String(decoding: output.fileHandleForReading.availableDataLine(), as: UTF8.self)
        let pids = line.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(pids.count == 2)
        #expect(pids.allSatisfy { !processIsGone($0) })
        kill(parent.processIdentifier, signal)
        parent.waitUntilExit()
        let deadline = ContinuousClock.now + .seconds(1)
        while ContinuousClock.now < deadline && !pids.allSatisfy(processIsGone) { usleep(10_000) }
        #expect(pids.allSatisfy(processIsGone))
    }
}

@Suite("WorkerProcess and backends", .serialized)
struct WorkerProcessTests {
    @Test("start and join return the task's output; the process has exited cleanly")
    func startJoin() async throws {
        WorkerTasks.register(allTestTasks)
        let process = WorkerProcess(SquareTask.self, 11, executable: testWorkerPath(), accepting: testWorkerBuild())
        process.start()
        #expect(try await process.join() == 121)
        #expect(process.pid != nil && process.exitStatus == .exited(0))
    }

    @Test("kill makes join fail with the signal; a task error arrives typed")
    func killAndErrors() async throws {
        let sleeper = WorkerProcess(SleepTask.self, 30_000, executable: testWorkerPath(), accepting: testWorkerBuild())
        sleeper.start()
        while sleeper.pid == nil { try await Task.sleep(for: .milliseconds(5)) }
        sleeper.kill()
        await #expect(throws: BackendError.workerCrashed(pid: sleeper.pid!, exit: .signaled(SIGKILL), tasks: 0..<1)) {
            _ = try await sleeper.join()
        }
        let odd = WorkerProcess(EvenOnlyTask.self, 5, executable: testWorkerPath(), accepting: testWorkerBuild())
        odd.start()
        await #expect {
            _ = try await odd.join()
        } throws: { error in
            if let failure = error as? BackendError, failure.code == .taskFailed, failure.taskIndex == 0, let remote = failure.taskError { return remote.message == "odd input 5" }
            return false
        }
    }

    @Test("the same WorkerTask runs on threads or on processes with one word changed", arguments: ["threads", "processes"])
    func parity(backendName: String) async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        let backend: any ParallelBackend = backendName == "threads" ? .threads : .processes(pool)
        let inputs = Array(0..<3000)
        #expect(try await inputs.parallelMap(SquareTask.self, on: backend) == inputs.map { $0 * $0 })
        await #expect {
            _ = try await [2, 4, 5].parallelMap(EvenOnlyTask.self, on: backend)
        } throws: { error in
            guard let error = error as? BackendError else { return false }
            return error.code == .taskFailed && error.taskIndex == 2 && error.taskError?.message == "odd input 5"
        }
    }
}

/// Open file descriptors of this process.
func openDescriptorCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
}

/// Process IDs whose parent is this process (live or zombie).
func childProcesses() -> Set<Int32> {
    let me = getpid()
    var children: Set<Int32> = []
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = Int32(entry), let stat = SmallFile.text("/proc/\(entry)/stat"),
            let close = stat.lastIndex(of: ")")
        else { continue }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        if fields.count > 2, Int32(fields[1]) == me { children.insert(pid) }
    }
    return children
}

extension FileHandle {
    /// Reads until a newline (or end of file).
    func availableDataLine() -> Data {
        var line = Data()
        while true {
            let byte = readData(ofLength: 1)
            if byte.isEmpty || byte.first == UInt8(ascii: "\n") { return line }
            line.append(byte)
        }
    }
}

/// Where a `/proc/…/fd/N` link points (`pipe:[123]`, a path), or `nil` if it cannot be read.
func descriptorTarget(_ link: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink(link, &buffer, buffer.count - 1)
    guard count > 0 else { return nil }
    return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
