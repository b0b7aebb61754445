import ParallelKitMacros
import Synchronization

/// Every `multiprocessing.Pool` method of seed 004 on the count-in-range data, each printing
/// `results[:10]` and its time.
enum PoolMethods {
    /// The per-row methods (`apply`, `apply_async`) make one round trip per row: they get the
    /// first `perRowCount` rows; the batched ones the first `batchedCount` (`--full`: every row
    /// for all of them, as the seed does; slow in a debug build).
    static func run(_ data: [[Int]], expected: [Int], full: Bool) async throws {
        let perRowCount = full ? data.count : 500
        let batchedCount = full ? data.count : 10_000
        let clock = ContinuousClock()
        let pool = try await ProcessPool()
        let head = Array(data.prefix(perRowCount))
        let data = Array(data.prefix(batchedCount))
        func report(_ name: String, _ results: [Int], _ start: ContinuousClock.Instant) {
            let reference = results.count == expected.count ? expected : Array(expected.prefix(results.count))
            print("\(name): \(Array(results.prefix(10))) rows \(results.count), \(results == reference ? "same as serial" : "DIFFERENT") (\(clock.now - start))")
        }

        var start = clock.now
        var results: [Int] = []
        for row in head { results.append(try await pool.apply($howManyWithinRange, .init(row, 4, 8))) }
        report("Pool.apply (first \(perRowCount) rows)", results, start)

        start = clock.now
        report("Pool.map", try await pool.map($howManyWithinRangeRowOnly, data), start)

        start = clock.now
        report("Pool.starmap", try await pool.map($howManyWithinRange, data.map { .init($0, 4, 8) }), start)

        // apply_async with a callback that collects (i, count), then sorted by i. As in the seed,
        // a pool of its own, closed and joined: every callback has run once join returns (a
        // callback also runs before its future completes, as in Python).
        start = clock.now
        let collected = Collected()
        let callbackPool = try await ProcessPool()
        for (i, row) in head.enumerated() {
            try callbackPool.submit($howManyWithinRange2, .init(i, row, 4, 8), onSuccess: { result in
                collected.items.withLock { $0.append(result) }
            })
        }
        callbackPool.close()
        await callbackPool.join()
        let sorted = collected.items.withLock { $0 }.sorted { $0.i < $1.i }.map(\.count)
        report("Pool.apply_async, callback (first \(perRowCount) rows)", sorted, start)

        start = clock.now
        let objects = try head.enumerated().map { i, row in try pool.submit($howManyWithinRange2, .init(i, row, 4, 8)) }
        var gotten: [Int] = []
        for object in objects { gotten.append(try await object.value.count) }
        report("Pool.apply_async, no callback (first \(perRowCount) rows)", gotten, start)

        start = clock.now
        let mapped = try pool.submitMap($howManyWithinRangeRowOnly, data)
        report("Pool.map_async", try await mapped.value, start)

        start = clock.now
        let starmapped = try pool.submitMap($howManyWithinRange2, data.enumerated().map { .init($0, $1, 4, 8) })
        report("Pool.starmap_async", try await starmapped.value.map(\.count), start)

        pool.close()
        await pool.join()
    }
}

/// Python's global `results` list that `collect_result` appends to, from the pool's thread.
final class Collected: Sendable {
    let items = Mutex<[IndexedCount]>([])
}
