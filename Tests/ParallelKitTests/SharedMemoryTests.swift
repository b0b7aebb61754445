import Foundation
import ParallelKitTestTasks
import Synchronization
import Testing

@_spi(Backend) @testable import ParallelKit

#if canImport(Glibc)
import Glibc
#endif

/// Entries in /dev/shm created by process `pid`.
func sharedSegments(of pid: Int32 = getpid()) -> [String] {
    let prefix = "parallelkit-\(pid)-"
    return ((try? FileManager.default.contentsOfDirectory(atPath: "/dev/shm")) ?? []).filter { $0.hasPrefix(prefix) }
}

@Suite("Shared memory", .serialized)
struct SharedMemoryTests {
    @Test("seed 002: two processes add 1…10 and 11…20 into one shared double: 210")
    func seed002() async throws {
        WorkerTasks.register(allTestTasks)
        let total = try SharedValue(0.0)
        let first = WorkerProcess(AddRangeTask.self, .init(total: total, from: 1, to: 10), executable: testWorkerPath(), accepting: testWorkerBuild())
        let second = WorkerProcess(AddRangeTask.self, .init(total: total, from: 11, to: 20), executable: testWorkerPath(), accepting: testWorkerBuild())
        first.start()
        second.start()
        _ = try await first.join()
        _ = try await second.join()
        #expect(total.load() == 210)
    }

    @Test("atomicity: two processes × 1M increments = 2M exactly")
    func atomicity() async throws {
        let counter = try SharedValue(0)
        let pool = try await testPool(workers: 2)
        defer { pool.terminate() }
        let done = try await pool.map(IncrementTask.self, [.init(counter: counter, times: 1_000_000), .init(counter: counter, times: 1_000_000)], chunking: .fixed(1))
        #expect(done == [1_000_000, 1_000_000])
        #expect(counter.load() == 2_000_000)
    }

    @Test("a worker writes a shared array the parent reads")
    func sharedArrayAcrossProcesses() async throws {
        let array = try SharedArray<Int>(repeating: 0, count: 10_000)
        let pool = try await testPool(workers: 1)
        defer { pool.terminate() }
        #expect(try await pool.apply(FillSharedArrayTask.self, .init(array: array, value: 7)) == 10_000)
        #expect(array.toArray() == Array(repeating: 7, count: 10_000))
    }

    @Test("a lock whose holder is killed is recovered by the next locker, which is told")
    func robustLock() async throws {
        let lock = try ProcessLock()
        let victim = WorkerProcess(DieHoldingLockTask.self, lock, executable: testWorkerPath(), accepting: testWorkerBuild())
        victim.start()
        await #expect(throws: BackendError.self) { _ = try await victim.join() }
        #expect(victim.exitStatus == .signaled(SIGKILL))
        #expect(lock.lock() == .previousOwnerDied)
        lock.unlock()
        #expect(lock.lock() == .acquired)
        lock.unlock()
    }

    @Test("values: load, store, wrapping add, Double add, compare-exchange, withLock")
    func valueOperations() throws {
        let integer = try SharedValue(Int.max)
        #expect(integer.add(1) == .min)
        integer.store(5)
        #expect(integer.compareExchange(expected: 4, desired: 9) == (false, 5))
        #expect(integer.compareExchange(expected: 5, desired: 9) == (true, 5))
        #expect(integer.withLock { value -> Int in
            value *= 3
            return value
        } == 27)
        #expect(integer.load() == 27)
        let flag = try SharedValue(false)
        flag.store(true)
        #expect(flag.load())
        let real = try SharedValue(0.5)
        #expect(real.add(0.25) == 0.75)
    }

    @Test("atomic adds from many threads lose nothing; the lock excludes")
    func threads() throws {
        let counter = try SharedValue(0.0)
        let array = try SharedArray<Int>(repeating: 0, count: 4)
        let lock = try ProcessLock()
        let plain = PlainCounter()
        Array(0..<40_000).parallelForEach(workers: 4, chunking: .fixed(100)) { index in
            counter.add(1)
            array.add(1, at: index % 4)
            lock.withLock { plain.value += 1 }
        }
        #expect(counter.load() == 40_000)
        #expect(array.toArray() == [10_000, 10_000, 10_000, 10_000])
        #expect(plain.value == 40_000)
    }

    @Test("attaching with the wrong type or size fails clearly, and a released segment is not found")
    func mismatches() throws {
        let numbers = try SharedArray<Int>([1, 2, 3])
        let bytes = try WireCoder.encode(numbers)
        #expect(try WireCoder.decode(SharedArray<Int>.self, from: bytes).toArray() == [1, 2, 3])
        #expect(throws: DecodingError.self) { _ = try WireCoder.decode(SharedArray<Double>.self, from: bytes) }
        #expect(throws: DecodingError.self) { _ = try WireCoder.decode(SharedValue<Int>.self, from: bytes) }
        var claimingFour = numbers.segment.handle
        claimingFour.count = 4
        let wrongCount = try WireCoder.encode(claimingFour)
        #expect(throws: DecodingError.self) { _ = try WireCoder.decode(SharedArray<Int>.self, from: wrongCount) }
        // A handle claiming 4 Ints where the segment holds 3: the size check refuses it.
        #expect(throws: SharedMemoryError.mismatch(name: numbers.segment.name, expected: "96 bytes", found: "88 bytes")) {
            _ = try SharedSegment.attach(claimingFour, kind: "SharedArray<Swift.Int>(stride 8)", payloadBytes: 32)
        }
        // The right pid and descriptor with another segment's ID (a stale handle): refused.
        var stale = numbers.segment.handle
        stale.id &+= 1
        #expect(throws: SharedMemoryError.notFound(name: numbers.segment.name)) {
            _ = try SharedSegment.attach(stale, kind: "SharedArray<Swift.Int>(stride 8)", payloadBytes: 24)
        }
        // A descriptor of this process that is not a segment (standard input): never opened.
        var notSegment = numbers.segment.handle
        notSegment.descriptor = 0
        #expect(throws: SharedMemoryError.notFound(name: notSegment.path)) {
            _ = try SharedSegment.attach(notSegment, kind: "SharedArray<Swift.Int>(stride 8)", payloadBytes: 24)
        }
        // This pid with another start time: a process that reused the creator's pid.
        var reused = numbers.segment.handle
        reused.started += 1
        reused.descriptor = 0
        #expect(throws: SharedMemoryError.creatorExited(name: reused.path, pid: getpid())) {
            _ = try SharedSegment.attach(reused, kind: "SharedArray<Swift.Int>(stride 8)", payloadBytes: 24)
        }
        var released: SharedValue<Int>? = try SharedValue(1)
        let handle = try WireCoder.encode(released!)
        let releasedHandle = released!.segment.handle
        released = nil
        #expect(throws: DecodingError.self) { _ = try WireCoder.decode(SharedValue<Int>.self, from: handle) }
        #expect(throws: SharedMemoryError.notFound(name: releasedHandle.path)) {
            _ = try releasedHandle.attach(kind: "SharedValue<Swift.Int>") { _ in 64 + MemoryLayout<pthread_mutex_t>.stride }
        }
    }

    @Test("segments are 0600, and nothing is ever in /dev/shm: in use, after use (queues too), worker kills included")
    func noLeftovers() async {
        await #expect(processExitsWith: .success) {
            WorkerTasks.register(allTestTasks)
            do {
                let value = try SharedValue(0)
                guard sharedSegments().isEmpty else { exit(2) }
                var status = stat()
                guard stat(value.segment.name, &status) == 0, status.st_mode & 0o777 == 0o600 else { exit(3) }
                let lock = try ProcessLock()
                let queue = try ProcessQueue<QueueItem>()
                let pool = try await ProcessPool(workers: 2, executable: testWorkerPath(), accepting: testWorkerBuild())
                _ = try await pool.apply(ProduceTask.self, .init(queue: queue, producer: 1, count: 3))
                let writer = WorkerProcess(DieWhileWritingTask.self, queue, executable: testWorkerPath(), accepting: testWorkerBuild())
                writer.start()
                _ = try? await writer.join()
                _ = try await pool.map(IncrementTask.self, [.init(counter: value, times: 10)], chunking: .fixed(1))
                let victim = WorkerProcess(DieHoldingLockTask.self, lock, executable: testWorkerPath(), accepting: testWorkerBuild())
                victim.start()
                _ = try? await victim.join()
                pool.terminate()
            } catch {
                exit(4)
            }
            exit(sharedSegments().isEmpty ? EXIT_SUCCESS : EXIT_FAILURE)
        }
    }
}

/// A counter guarded by a ProcessLock in the test above.
final class PlainCounter: @unchecked Sendable {
    // @unchecked: only touched while holding the test's ProcessLock.
    var value = 0
}
