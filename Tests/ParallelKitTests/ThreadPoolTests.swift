import ParallelKitTestSupport
import Synchronization
import Testing

@testable import ParallelKit

#if canImport(Glibc)
import Glibc
#endif

@Suite("ThreadPool")
struct ThreadPoolTests {
    @Test("submit returns futures whose values come back, errors unchanged")
    func submitAndValue() async throws {
        let pool = ThreadPool(workers: 4)
        let future = try pool.submit { 6 * 7 }
        #expect(try await future.value == 42)
        #expect(future.state == .succeeded)
        let failing = try pool.submit { () throws(Boom) -> Int in throw Boom(index: 3) }
        await #expect(throws: FutureError<Boom>.failed(Boom(index: 3))) { try await failing.value }
        #expect(failing.state == .failed)
        #expect(throws: FutureError<Boom>.failed(Boom(index: 3))) { try failing.wait() }
    }

    @Test("ThreadPool() has ThreadPoolExecutor()'s size: the usable cores plus 4, at most 32, and all its threads run")
    func defaultSize() async throws {
        let pool = ThreadPool()
        #expect(ThreadPool.defaultWorkers == min(32, Workers.available + 4))
        #expect(pool.workerCount == ThreadPool.defaultWorkers)
        // Every thread takes one blocking call at once: the calls meet at the barrier together.
        let arrived = Atomic(0)
        let futures = try (0..<pool.workerCount).map { _ in
            try pool.submit { () -> Bool in
                arrived.add(1, ordering: .relaxed)
                let deadline = ContinuousClock.now + .seconds(30)
                while arrived.load(ordering: .relaxed) < pool.workerCount, ContinuousClock.now < deadline { usleep(100) }
                return arrived.load(ordering: .relaxed) == pool.workerCount
            }
        }
        for future in futures { #expect(try await future.value) }
    }

    @Test("wait(timeout:) blocks until done, or throws timedOut while the work goes on")
    func blockingWait() throws {
        let pool = ThreadPool(workers: 1)
        let gate = OneShotEvent()
        let slow = try pool.submit { () -> Int in
            _ = gate.wait(timeout: .seconds(30))
            return 1
        }
        // A loaded machine can take longer than the 20 ms below to start the pool's thread.
        var waited = 0
        while slow.state == .pending && waited < 30_000 {
            usleep(1000)
            waited += 1
        }
        #expect(throws: FutureError<Never>.timedOut) { try slow.wait(timeout: .milliseconds(20)) }
        #expect(slow.state == .running)
        gate.signal()
        #expect(try slow.wait(timeout: .seconds(30)) == 1)
    }

    @Test("cancel takes effect only before the work starts, and says so")
    func cancelBeforeStart() throws {
        let pool = ThreadPool(workers: 1)
        let gate = OneShotEvent()
        let ran = Counter()
        let blocker = try pool.submit { _ = gate.wait(timeout: .seconds(30)) }
        let queued = try pool.submit { ran.increment() }
        while blocker.state != .running { usleep(100) }
        #expect(blocker.cancel() == false)
        #expect(queued.cancel() == true)
        #expect(queued.state == .cancelled)
        #expect(throws: FutureError<Never>.cancelled) { try queued.wait() }
        gate.signal()
        try blocker.wait()
        pool.close()
        pool.join()
        #expect(ran.count == 0, "cancelled work never runs")
    }

    @Test("completion callbacks run once, also when registered after completion")
    func callbacks() async throws {
        let pool = ThreadPool(workers: 2)
        let calls = Counter()
        let future = try pool.submit { 5 }
        let inbox = CompletionInbox<Int>()
        future.onCompletion { outcome in
            calls.increment()
            inbox.push((try? outcome.get()) ?? -1)
        }
        #expect(await inbox.next() == 5)
        future.onCompletion { _ in calls.increment() }
        #expect(calls.count == 2)
    }

    @Test("close lets queued work finish; terminate drops it with a clear error")
    func closeAndTerminate() throws {
        for terminates in [false, true] {
            let pool = ThreadPool(workers: 1)
            let gate = OneShotEvent()
            let first = try pool.submit { _ = gate.wait(timeout: .seconds(30)) }
            let queued = try (0..<5).map { value in try pool.submit { value } }
            while first.state != .running { usleep(100) }
            if terminates { pool.terminate() } else { pool.close() }
            #expect(throws: ThreadPoolError.closed) { _ = try pool.submit { 1 } }
            gate.signal()
            pool.join()
            try first.wait()
            for (value, future) in queued.enumerated() {
                if terminates {
                    #expect(throws: FutureError<Never>.poolClosed) { try future.wait() }
                } else {
                    #expect(try future.wait() == value)
                }
            }
        }
    }

    @Test("no thread outlives its pool")
    func threadsEnd() async {
        // In a child process, so that no other test's pool is counted.
        await #expect(processExitsWith: .success) {
            func poolThreads() -> Int { threadNamesOfThisProcess().filter { $0.hasPrefix("pk-pool-") }.count }
            guard poolThreads() == 0 else { exit(2) }
            do {
                let pool = ThreadPool(workers: 6)
                guard poolThreads() == 6 else { exit(3) }
                _ = try? pool.submit { usleep(10_000) }
            }
            exit(poolThreads() == 0 ? EXIT_SUCCESS : EXIT_FAILURE)
        }
    }

    @Test("a pool released while busy finishes its work before its threads end")
    func releaseWhileBusy() async throws {
        let done = Counter()
        // Releasing the pool waits for its work: off the cooperative pool.
        let futures = try await offCooperativePool { () throws -> [Future<Void, Never>] in
            let pool = ThreadPool(workers: 2)
            return try (0..<20).map { _ in try pool.submit { usleep(1000); done.increment() } }
        }
        #expect(done.count == 20)
        #expect(futures.allSatisfy { $0.state == .succeeded })
    }

    @Test("threads are named pk-pool-N and TaskExecutor preference runs code on them")
    func taskExecutorPreference() async {
        let pool = ThreadPool(workers: 2)
        let name = await withTaskExecutorPreference(pool) { OSThread.currentName }
        #expect(name.hasPrefix("pk-pool-"))
        let fromTask = await Task(executorPreference: pool) { OSThread.currentName }.value
        #expect(fromTask.hasPrefix("pk-pool-"))
        let plain = await Task { OSThread.currentName }.value
        #expect(!plain.hasPrefix("pk-pool-"))
    }

    @Test("a task preferring a closed pool still runs")
    func closedExecutorDoesNotStrand() async {
        let pool = ThreadPool(workers: 1)
        pool.close()
        let value = await Task(executorPreference: pool) { 7 }.value
        #expect(value == 7)
    }

    @Test("an idle pool uses no CPU over one second")
    func idle() async {
        await #expect(processExitsWith: .success) {
            let pool = ThreadPool(workers: 8)
            _ = try? pool.submit { 1 }.wait()
            let before = processCPUMicroseconds()
            usleep(1_000_000)
            exit(processCPUMicroseconds() - before < 5_000 ? EXIT_SUCCESS : EXIT_FAILURE)
        }
    }

    @Test("a pool of zero threads stops the program")
    func zeroThreads() async {
        await #expect(processExitsWith: .failure) { _ = ThreadPool(workers: 0) }
    }
}

@Suite("ThreadPoolState")
struct ThreadPoolStateTests {
    @Test("submit wakes a thread only when one is parked")
    func submitWakes() {
        var state = ThreadPoolState<Int>()
        guard case .queued = state.submit(1) else { Issue.record("expected queued"); return }
        guard case .run(1) = state.next() else { Issue.record("expected run 1"); return }
        guard case .park = state.next() else { Issue.record("expected park"); return }
        guard case .wakeThread = state.submit(2) else { Issue.record("expected wake"); return }
        state.unpark()
        guard case .run(2) = state.next() else { Issue.record("expected run 2"); return }
    }

    @Test("shutdown keeps what must run, drops the rest, and lets threads exit when drained")
    func shutdownTransitions() {
        var state = ThreadPoolState<Int>()
        for value in 1...6 { _ = state.submit(value) }
        let dropped = state.shutdown(cancelPending: true) { $0.isMultiple(of: 3) }
        #expect(dropped == [1, 2, 4, 5])
        guard case .rejected(7) = state.submit(7) else { Issue.record("expected rejection"); return }
        guard case .run(3) = state.next(), case .run(6) = state.next(), case .exit = state.next() else {
            Issue.record("expected 3, 6, exit")
            return
        }
    }
}
