import ParallelKitTestTasks
import Testing

@_spi(Backend) @testable import ParallelKit

#if canImport(Glibc)
import Glibc
#endif

@Suite("ProcessQueue", .serialized)
struct ProcessQueueTests {
    @Test("three producer and two consumer processes: nothing lost, nothing doubled, each producer's order kept")
    func producersAndConsumers() async throws {
        WorkerTasks.register(allTestTasks)
        // A small ring, so puts wait for room and messages wrap around its end.
        let queue = try ProcessQueue<QueueItem>(capacity: 256)
        let consumers = (0..<2).map { _ in WorkerProcess(ConsumeTask.self, queue, executable: testWorkerPath(), accepting: testWorkerBuild()) }
        consumers.forEach { $0.start() }
        let pool = try await testPool(workers: 3)
        defer { pool.terminate() }
        let counts = try await pool.map(
            ProduceTask.self, (0..<3).map { ProduceTask.Input(queue: queue, producer: $0, count: 500) }, chunking: .fixed(1))
        #expect(counts == [500, 500, 500])
        queue.finishWriting()
        var all: [QueueItem] = []
        for consumer in consumers {
            let items = try await consumer.join()
            for producer in 0..<3 {
                let sequences = items.filter { $0.producer == producer }.map(\.sequence)
                #expect(sequences == sequences.sorted(), "consumer saw producer \(producer) out of order")
            }
            all += items
        }
        #expect(all.count == 1500)
        #expect(Set(all) == Set((0..<3).flatMap { producer in (0..<500).map { QueueItem(producer: producer, sequence: $0) } }))
    }

    @Test("a writer killed mid-stream: its items stay readable, then readers are told every writer has gone")
    func deadWriter() async throws {
        WorkerTasks.register(allTestTasks)
        let queue = try ProcessQueue<QueueItem>()
        let victim = WorkerProcess(DieWhileWritingTask.self, queue, executable: testWorkerPath(), accepting: testWorkerBuild())
        victim.start()
        await #expect(throws: BackendError.self) { _ = try await victim.join() }
        #expect(victim.exitStatus == .signaled(SIGKILL))
        // The parent is still a writer: an empty queue waits, here until the timeout.
        #expect(queue.count == 3)
        for sequence in 0..<3 { #expect(try await queue.get(timeout: .seconds(5)) == QueueItem(producer: 9, sequence: sequence)) }
        #expect(throws: ProcessQueueError.timedOut) { _ = try queue.get(timeout: .milliseconds(20)) }
        queue.finishWriting()
        #expect(throws: ProcessQueueError.writersGone) { _ = try blockingGet(queue) }
        await #expect(throws: ProcessQueueError.writersGone) { _ = try await queue.get() }
        #expect(try await queue.next() == nil)
    }

    @Test("async get waits without blocking the caller's thread, and honours cancellation")
    func asyncGet() async throws {
        let queue = try ProcessQueue<String>()
        let waiter = Task { try await queue.get() }
        try await Task.sleep(for: .milliseconds(20))
        try queue.put("late")
        #expect(try await waiter.value == "late")
        let cancelled = Task { try await queue.get(timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(20))
        cancelled.cancel()
        await #expect(throws: ProcessQueueError.cancelled) { _ = try await cancelled.value }
    }

    @Test("values come out in order; too-large values and wrong types are clear errors")
    func ordersAndErrors() throws {
        let queue = try ProcessQueue<[Int]>(capacity: 4096)
        for length in 0..<20 { try queue.put(Array(0..<length)) }
        for length in 0..<20 { #expect(try queue.get() == Array(0..<length)) }
        #expect(throws: ProcessQueueError.self) { try queue.put(Array(0..<1000)) }
        // A full queue: put waits for room, here until its timeout; a get makes room.
        let small = try ProcessQueue<Int>(capacity: 64)
        var fitted = 0
        while (try? small.put(Int.max - fitted, timeout: .milliseconds(20))) != nil { fitted += 1 }
        #expect(fitted >= 2)
        #expect(throws: ProcessQueueError.timedOut) { try small.put(0, timeout: .milliseconds(20)) }
        #expect(try small.get(timeout: .seconds(1)) == Int.max)
        try small.put(0, timeout: .seconds(1))
        #expect(small.count == fitted)
        // A struct without stored properties goes through too.
        struct Nothing: Codable, Sendable, Equatable {}
        let empties = try ProcessQueue<Nothing>(capacity: 64)
        try empties.put(Nothing())
        #expect(try blockingGet(empties) == Nothing())
        let handle = try WireCoder.encode(queue)
        #expect(throws: DecodingError.self) { _ = try WireCoder.decode(ProcessQueue<String>.self, from: handle) }
        #expect(try WireCoder.decode(ProcessQueue<[Int]>.self, from: handle).capacity == 4096)
    }
}

/// The blocking `get()`: in an async context the async overload would be chosen.
private func blockingGet<Element>(_ queue: ProcessQueue<Element>) throws(ProcessQueueError) -> Element {
    try queue.get()
}
