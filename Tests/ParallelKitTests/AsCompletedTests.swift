import ParallelKitSystem
import ParallelKitTestSupport
import ParallelKitTestTasks
import Synchronization
import Testing

@_spi(Backend) @testable import ParallelKit

/// Sleeps `milliseconds` (on a pool thread), then returns them.
private func nap(_ milliseconds: Int) -> Int {
    usleep(UInt32(milliseconds) * 1000)
    return milliseconds
}

@Suite("asCompleted: futures in the order they finish")
struct AsCompletedTests {
    @Test("each future once, in completion order, failures included")
    func completionOrder() async throws {
        let pool = ThreadPool(workers: 4)
        // Finishing 250 ms apart: 1, then 3 (a failure), then 2, then 0.
        let delays = [750, 0, 500, 250]
        let futures = try delays.enumerated().map { index, delay in
            try pool.submit { () throws(Boom) -> Int in
                let slept = nap(delay)
                if index == 3 { throw Boom(index: index) }
                return slept
            }
        }
        var order: [Int] = []
        var failures: [Int] = []
        for await (index, future) in asCompleted(futures) {
            #expect(future.isDone)
            order.append(index)
            do throws(FutureError<Boom>) {
                #expect(try await future.value == delays[index])
            } catch {
                #expect(error == .failed(Boom(index: 3)))
                failures.append(index)
            }
        }
        #expect(order == [1, 3, 2, 0])
        #expect(failures == [3])
        pool.close()
        await offCooperativePool { pool.join() }
    }

    @Test("futures already done come first, in index order; an empty array ends at once")
    func alreadyDone() async throws {
        let done = (0..<3).map { value in
            let future = Future<Int, Never>()
            future.finish(.success(value))
            return future
        }
        var order: [Int] = []
        for await (index, _) in asCompleted(done) { order.append(index) }
        #expect(order == [0, 1, 2])
        var count = 0
        for await _ in asCompleted([Future<Int, Never>]()) { count += 1 }
        #expect(count == 0)
    }

    @Test("cancelling the iterating task ends the sequence; the futures are left alone")
    func cancellation() async throws {
        let never = Future<Int, Never>()
        let first = Future<Int, Never>()
        first.finish(.success(1))
        let seen = Mutex<[Int]>([])
        let consumer = Task {
            for await (index, _) in asCompleted([first, never]) {
                seen.withLock { $0.append(index) }
            }
        }
        // The consumer got the finished one and now waits for the other, which never finishes.
        while seen.withLock({ $0 }).isEmpty { await Task.yield() }
        consumer.cancel()
        await consumer.value
        #expect(seen.withLock { $0 } == [0])
        #expect(!never.isDone)
    }

    @Test("seed 003: ThreadPoolExecutor and as_completed")
    func seedThreadPoolExecutor() async throws {
        // Python: tasks = [executor.submit(my_awesome_function, sleep) for sleep in sleepTimes]
        //         for task in concurrent.futures.as_completed(tasks): all_results.append(task.result())
        // (the sleeps a tenth of the seed's, in milliseconds).
        let sleepTimes = [10, 20, 10, 50, 70, 90, 50, 40, 150, 130, 100, 30, 70, 60, 30, 80]
        let pool = ThreadPool(workers: .count(sleepTimes.count))
        let tasks = try sleepTimes.map { sleep in try pool.submit { "Slept for \(Double(nap(sleep)) / 100) seconds" } }
        var allResults: [String] = []
        var indices: [Int] = []
        for await (index, task) in asCompleted(tasks) {
            allResults.append(try await task.value)
            indices.append(index)
        }
        #expect(indices.sorted() == Array(sleepTimes.indices))
        #expect(allResults.sorted() == sleepTimes.map { "Slept for \(Double($0) / 100) seconds" }.sorted())
        // Which sleep finishes last is left to `completionOrder` (its gaps are 250 ms): here the
        // two longest are 20 ms apart, which a loaded machine can reorder.
        pool.close()
        await offCooperativePool { pool.join() }
    }

    @Test("seed 003: ProcessPoolExecutor and as_completed")
    func seedProcessPoolExecutor() async throws {
        // Python: sleepTimes = np.random.rand(20); my_awesome_function returns sleepTime ** 2
        // (here the worker's SleepTask sleeps the milliseconds, the square is taken as results come).
        let sleepTimes = (0..<20).map { _ in Int.random(in: 0..<50) }
        let pool = try await testPool(workers: 2)
        let tasks = try sleepTimes.map { sleep throws(BackendError) in try pool.submit(SleepTask.self, sleep) }
        var allResults: [Int] = []
        var indices: [Int] = []
        for await (index, task) in asCompleted(tasks) {
            let slept = try await task.value
            allResults.append(slept * slept)
            indices.append(index)
        }
        #expect(indices.sorted() == Array(sleepTimes.indices))
        #expect(allResults.sorted() == sleepTimes.map { $0 * $0 }.sorted())
        pool.close()
        await pool.join()
    }
}
