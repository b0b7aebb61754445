import ParallelKitTestSupport
import ParallelKitTestTasks
import Synchronization
import Testing

@_spi(Backend) @testable import ParallelKit

// The suite is declared in TestSupport.swift, with the other suites that ProcessPoolSuites runs one at a time.
extension ProcessPoolSuites.ProcessPoolOperationsTests {
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

    @Test("a submit's callback has run once its future's value is read, as with Python's apply_async")
    func callbackBeforeValue() async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        let seen = Mutex<[Int]>([])
        let handles = try (0..<200).map { input in
            try pool.submit(SquareTask.self, input, onSuccess: { output in seen.withLock { $0.append(output) } })
        }
        for (input, handle) in handles.enumerated() {
            let output = try await handle.value
            #expect(output == input * input)
            #expect(seen.withLock { $0.contains(output) }, "callback of \(input) not yet run")
        }
        let failures = Mutex(0)
        let failing = try pool.submit(EvenOnlyTask.self, 3, onFailure: { _ in failures.withLock { $0 += 1 } })
        await #expect(throws: FutureError<BackendError>.self) { _ = try await failing.value }
        #expect(failures.withLock { $0 } == 1)
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
}
