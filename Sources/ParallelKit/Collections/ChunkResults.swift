import Synchronization

/// Results of a parallel operation whose chunks each produce any number of values
/// (`compactMap`, `flatMap`, `filter`): gathered per chunk, then joined in input order.
@usableFromInline
final class ChunkResults<Value: Sendable>: Sendable {
    @usableFromInline
    let pieces = Mutex<[(start: Int, values: [Value])]>([])

    @inlinable
    init() {}

    /// Keeps the values of the chunk that starts at input index `start`.
    @inlinable
    func add(_ values: [Value], start: Int) {
        if values.isEmpty { return }
        pieces.withLock { $0.append((start, values)) }
    }

    /// Every value in input order. Large results are copied by several workers.
    @usableFromInline
    func joined(workers: Workers) -> [Value] {
        let ordered = pieces.withLock { $0 }.sorted { $0.start < $1.start }.map(\.values)
        if ordered.count == 1 { return ordered[0] }
        var offsets = [Int]()
        offsets.reserveCapacity(ordered.count)
        var total = 0
        for piece in ordered {
            offsets.append(total)
            total += piece.count
        }
        return [Value](unsafeUninitializedCapacity: total) { buffer, initializedCount in
            guard let base = buffer.baseAddress else { return }
            // Copying a few thousand values is faster than waking a worker.
            let copiers: Workers = total < 1 << 16 ? 1 : workers
            LargeBuffer.adviseHugePages(base, count: total)
            ordered.forEachChunk(workers: copiers, chunking: .fixed(1), sharing: (offsets: offsets, buffer: base)) {
                pieces, output, range in
                for piece in range {
                    pieces.base[piece].withUnsafeBufferPointer { source in
                        let target = output.buffer + output.offsets[piece]
                        _ = UnsafeMutableBufferPointer(start: target, count: source.count).initialize(from: source)
                    }
                }
                return true
            }
            initializedCount = total
        }
    }
}

extension Collection where Self: Sendable {
    /// Runs `gather` on every element, chunk by chunk in parallel, and joins what each chunk
    /// appended in input order: the shared body of `parallelCompactMap`, `parallelFlatMap` and
    /// `parallelFilter`.
    @inlinable @inline(__always)
    func gatherInOrder<T: Sendable, Failure: Error>(
        workers: Workers,
        chunking: Chunking,
        progress: (any ProgressSink)?,
        _ gather: (Element, inout [T]) throws(Failure) -> Void
    ) throws(Failure) -> [T] {
        guard let progress else { return try gatherInOrder(workers: workers, chunking: chunking, tally: NoTally(), gather) }
        return try gatherInOrder(workers: workers, chunking: chunking, tally: ProgressTally(progress, total: count), gather)
    }

    /// ``gatherInOrder(workers:chunking:progress:_:)`` counting into `tally`; ``NoTally`` for the
    /// overloads without progress, which then carry no counting code.
    @inlinable @inline(__always)
    func gatherInOrder<T: Sendable, Failure: Error, Tally: ChunkTally>(
        workers: Workers,
        chunking: Chunking,
        tally: Tally,
        _ gather: (Element, inout [T]) throws(Failure) -> Void
    ) throws(Failure) -> [T] {
        let results = ChunkResults<T>()
        try forEachChunk(workers: workers, chunking: chunking, tally: tally, sharing: results) { (elements, results, range) throws(Failure) -> Bool in
            var values: [T] = []
            _ = try elements.forEach(atOffsets: range) { (_, element) throws(Failure) -> Bool in
                try gather(element, &values)
                return true
            }
            results.add(values, start: range.lowerBound)
            return true
        }
        return results.joined(workers: workers)
    }
}
