import ParallelKitTestSupport
import Synchronization
import Testing

@testable import ParallelKit

#if canImport(Glibc)
import Glibc
#endif

@Suite("ThreadPool streams and waiting")
struct ThreadPoolMapTests {
    @Test("map returns every result in input order", arguments: [0, 1, 7, 1000])
    func eagerMap(size: Int) async throws {
        let pool = ThreadPool(workers: 4)
        let results = try await pool.map(0..<size) { value -> Int in
            usleep(UInt32((size - value) % 5 * 100))
            return value * 2
        }
        #expect(results == (0..<size).map { $0 * 2 })
    }

    @Test("map throws the first error in input order, once the running work has finished")
    func eagerMapErrors() async {
        let pool = ThreadPool(workers: 4)
        let started = Counter()
        let running = Atomic<Int>(0)
        await #expect(throws: FutureError<Boom>.failed(Boom(index: 5))) {
            _ = try await pool.map(0..<1000) { (value: Int) throws(Boom) -> Int in
                started.increment()
                running.add(1, ordering: .relaxed)
                defer { running.subtract(1, ordering: .relaxed) }
                if value == 5 {
                    usleep(20_000)  // fails after element 6 has failed
                    throw Boom(index: value)
                }
                if value == 6 { throw Boom(index: value) }
                usleep(1000)
                return value
            }
        }
        #expect(running.load(ordering: .relaxed) == 0, "nothing runs after map returns")
        #expect(started.count < 1000, "elements not started are skipped")
    }

    @Test("map from a cancelled task throws cancelled; on a closed pool, poolClosed")
    func eagerMapCancelledOrClosed() async throws {
        let pool = ThreadPool(workers: 2)
        let call = Task { try await pool.map(0..<10_000) { _ in usleep(1000) } }
        try? await Task.sleep(for: .milliseconds(20))
        call.cancel()
        await #expect(throws: FutureError<Never>.cancelled) { try await call.value }
        pool.close()
        await #expect(throws: FutureError<Never>.poolClosed) { try await pool.map([1, 2]) { $0 } }
        #expect(try await pool.map([Int]()) { $0 }.isEmpty)
    }

    @Test("stream delivers every item once, in order", arguments: [0, 1, 7, 1000])
    func ordered(size: Int) async throws {
        let pool = ThreadPool(workers: 4)
        var results: [Int] = []
        for try await value in pool.stream(0..<size, { value -> Int in
            usleep(UInt32((size - value) % 5 * 100))
            return value * 2
        }) {
            results.append(value)
        }
        #expect(results == (0..<size).map { $0 * 2 })
    }

    @Test("streamUnordered delivers every item exactly once with its index", arguments: [0, 1, 7, 1000])
    func unordered(size: Int) async throws {
        let pool = ThreadPool(workers: 4)
        var seen = [Int](repeating: 0, count: size)
        for try await (index, value) in pool.streamUnordered(0..<size, { value -> Int in
            usleep(UInt32(value % 3 * 200))
            return value + 1
        }) {
            #expect(value == index + 1)
            seen[index] += 1
        }
        #expect(seen.allSatisfy { $0 == 1 })
    }

    @Test("streamUnordered yields fast items before slow ones")
    func completionOrder() async throws {
        let pool = ThreadPool(workers: 4)
        var order: [Int] = []
        for try await (index, _) in pool.streamUnordered([200_000, 1_000, 1_000, 1_000], { usleep(UInt32($0)) }) {
            order.append(index)
        }
        #expect(order.last == 0)
    }

    @Test("buffered work never exceeds the bound", arguments: [1, 3, 8])
    func bounded(limit: Int) async throws {
        let pool = ThreadPool(workers: 8)
        let running = Atomic<Int>(0)
        let highest = Atomic<Int>(0)
        let submittedAhead = Atomic<Int>(0)
        let pulled = Counter()
        let input = (0..<200).lazy.map { value -> Int in
            pulled.increment()
            return value
        }
        var taken = 0
        for try await _ in pool.stream(input, maxBuffered: limit, { value -> Int in
            let now = running.add(1, ordering: .relaxed).newValue
            highest.max(now, ordering: .relaxed)
            usleep(200)
            running.subtract(1, ordering: .relaxed)
            return value
        }) {
            taken += 1
            submittedAhead.max(pulled.count - taken, ordering: .relaxed)
        }
        #expect(taken == 200)
        #expect(highest.load(ordering: .relaxed) <= limit)
        #expect(submittedAhead.load(ordering: .relaxed) <= limit)
    }

    @Test("an endless input with an early break stops reading and cancels what has not started")
    func endlessInputEarlyBreak() async throws {
        let pool = ThreadPool(workers: 2)
        let pulled = Counter()
        let started = Counter()
        let endless = sequence(first: 0) { value in
            pulled.increment()
            return value + 1
        }
        var taken = 0
        for try await value in pool.stream(endless, maxBuffered: 4, { value -> Int in
            started.increment()
            usleep(1000)
            return value
        }) {
            #expect(value == taken)
            taken += 1
            if taken == 50 { break }
        }
        pool.close()
        pool.join()
        #expect(pulled.count <= 50 + 4)
        #expect(started.count <= 50 + 4)
    }

    @Test("an error ends the stream with its type, and later items are not started")
    func errorsEndTheStream() async {
        let pool = ThreadPool(workers: 1)
        let started = Counter()
        var received: [Int] = []
        do {
            for try await value in pool.stream(0..<1000, maxBuffered: 2, { (value: Int) throws(Boom) -> Int in
                started.increment()
                if value == 10 { throw Boom(index: value) }
                return value
            }) {
                received.append(value)
            }
            Issue.record("expected an error")
        } catch {
            #expect(error == .failed(Boom(index: 10)))
        }
        #expect(received == Array(0..<10))
        pool.close()
        pool.join()
        #expect(started.count <= 13)
    }

    @Test("an AsyncSequence input works, read lazily")
    func asyncInput() async throws {
        let pool = ThreadPool(workers: 3)
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        Task {
            for value in 0..<100 { continuation.yield(value) }
            continuation.finish()
        }
        var results: [Int] = []
        for try await value in pool.stream(stream, { $0 * $0 }) { results.append(value) }
        #expect(results == (0..<100).map { $0 * $0 })
    }

    @Test("waitAll, waitAny and waitUntilFirstError")
    func waiting() async throws {
        let pool = ThreadPool(workers: 4)
        let futures = try (0..<8).map { value in try pool.submit { () throws(Boom) -> Int in
            usleep(UInt32(value * 2000))
            if value == 5 { throw Boom(index: 5) }
            return value
        } }
        #expect(await Future.waitAny(futures) != nil)
        let firstError = await Future.waitUntilFirstError(futures)
        #expect(firstError == .failed(Boom(index: 5)))
        let outcomes = await Future.waitAll(futures)
        #expect(outcomes.count == 8)
        for (index, outcome) in outcomes.enumerated() {
            if index == 5 {
                #expect(throws: FutureError<Boom>.failed(Boom(index: 5))) { try outcome.get() }
            } else {
                #expect(try outcome.get() == index)
            }
        }
        let (done, pending) = await waitForFutures(futures, until: .allCompleted)
        #expect(done == Array(0..<8) && pending.isEmpty)
    }

    @Test("waiting with a timeout returns what is still pending")
    func waitTimeout() async throws {
        let pool = ThreadPool(workers: 1)
        let gate = OneShotEvent()
        let slow = try pool.submit { _ = gate.wait(timeout: nil) }
        let (done, pending) = await waitForFutures([slow], until: .allCompleted, timeout: .milliseconds(30))
        #expect(done.isEmpty && pending == [0])
        gate.signal()
        #expect(await waitForFutures([Future<Void, Never>]()) == ([], []))
    }
}

@Suite("WorkerThread")
struct WorkerThreadTests {
    @Test("start and join return the function's result; join twice returns it again")
    func startJoin() throws {
        let thread = WorkerThread(name: "pk-test") { () -> String in OSThread.currentName }
        thread.start()
        #expect(thread.join() == "pk-test")
        #expect(thread.join() == "pk-test")
        #expect(thread.isFinished)
    }

    @Test("errors come back with their type")
    func errors() {
        let thread = WorkerThread { () throws(Boom) -> Int in throw Boom(index: 1) }.start()
        #expect(throws: Boom(index: 1)) { try thread.join() }
    }

    @Test("threads run at the same time: 8 sleeps of 100 ms take far less than 800 ms of waiting")
    func concurrency() async {
        let running = Atomic<Int>(0)
        let highest = Atomic<Int>(0)
        let threads = (0..<8).map { _ in
            WorkerThread {
                highest.max(running.add(1, ordering: .relaxed).newValue, ordering: .relaxed)
                usleep(100_000)
                running.subtract(1, ordering: .relaxed)
            }.start()
        }
        await offCooperativePool { for thread in threads { thread.join() } }
        #expect(highest.load(ordering: .relaxed) >= 2)
    }

    @Test("starting twice or joining before starting stops the program")
    func misuse() async {
        await #expect(processExitsWith: .failure) {
            let thread = WorkerThread { 1 }
            thread.start()
            thread.start()
        }
        await #expect(processExitsWith: .failure) {
            _ = WorkerThread { 1 }.join()
        }
    }
}
