import CParallelKit

/// The engine's entry point: runs `body` over chunks of `0..<count` on the calling thread and
/// the pool's helpers, and returns when every chunk has finished.
///
/// See `README.md` beside this file for the design.
@usableFromInline
enum ParallelLoop {
    /// Below this estimated total time an input runs as a plain loop on the calling thread:
    /// waking a parked helper and sharing a job costs about this much on the machines measured.
    @usableFromInline
    static let serialCutoff = Double(Ticks.fromMicroseconds(20))

    /// Runs `body` over chunks that together cover `0..<count` exactly once.
    ///
    /// Operations pass their state (collection, output buffer, flags) through `context` rather
    /// than capturing it, so that `body` captures nothing but the user's closure: the optimizer
    /// then specializes `body` with the user's closure inlined into the chunk loop (measured:
    /// 80 ns instead of 190 ns for a 100-element map; a serial `map` takes 100 ns).
    ///
    /// This part is inlined into each operation, so that deciding to stay serial costs no
    /// generic-metadata lookups; only the pool path is out of line.
    ///
    /// - Parameters:
    ///   - count: the number of indices.
    ///   - workers: how many threads take part, the caller included.
    ///   - chunking: how chunks are sized.
    ///   - context: passed unchanged to every call of `body`; valid for the whole call.
    ///   - body: processes one chunk; returns `false` to skip every chunk not started yet
    ///     (short-circuiting). May run on several threads at once.
    /// - Throws: the first error `body` threw, after every running chunk has finished.
    @inlinable @inline(__always)
    static func run<Failure: Error>(
        count: Int,
        workers: Workers,
        chunking: Chunking,
        context: UnsafeRawPointer,
        _ body: (Range<Int>, UnsafeRawPointer) throws(Failure) -> Bool
    ) throws(Failure) {
        guard count > 0 else { return }
        let workerCount = workers.count
        if workerCount == 1 || count == 1 {
            _ = try body(0..<count, context)
            return
        }
        var range = 0..<count
        if chunking.mode == .adaptive {
            // Time the first and the last element: cost often grows or shrinks along the input.
            let start = pk_ticks()
            guard try body(0..<1, context), try body((count - 1)..<count, context) else { return }
            let elapsed = pk_ticks() &- start
            range = 1..<(count - 1)
            if range.isEmpty { return }
            if Double(elapsed) / 2 * Double(count) < serialCutoff {
                _ = try body(range, context)
                return
            }
        }
        try runOnPool(range: range, workers: workerCount, chunking: chunking, context: context, body)
    }

    /// Shares `range` with the pool's helpers and works on it until every chunk has finished.
    @usableFromInline
    static func runOnPool<Failure: Error>(
        range: Range<Int>,
        workers: Int,
        chunking: Chunking,
        context: UnsafeRawPointer,
        _ body: (Range<Int>, UnsafeRawPointer) throws(Failure) -> Bool
    ) throws(Failure) {
        let pool = WorkerPool.shared
        let job = LoopJob<Failure>(range: range, workers: workers, chunking: chunking, context: context, pool: pool)
        withoutActuallyEscaping(body) { escapable in
            job.body = escapable
            pool.publish(job, helpers: workers - 1)
            job.runChunks()
            pool.withdraw(job)
            job.waitForHelpers()
            job.body = nil
        }
        if let failure = job.takeFailure() { throw failure }
    }
}
