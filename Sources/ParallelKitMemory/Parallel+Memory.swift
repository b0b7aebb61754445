@_spi(Backend) import ParallelKit

extension Parallel {
    /// Runs `task` on every input with `memory` as the checkpoint: inputs with an entry are
    /// served from disk, the others run (on this `Parallel`'s backend) in batches, each stored —
    /// one write and one `fsync` — as it completes. A run killed at any point (SIGKILL, a
    /// worker's crash, Ctrl-C) and run again computes only the items that have no entry, and
    /// returns what an uninterrupted run returns, in input order.
    ///
    /// ```swift
    /// let memory = try Memory(directory: "/var/cache/render")
    /// let frames = try await Parallel(backend: .processes).map(RenderFrame.self, scenes, cache: memory, version: 3)
    /// ```
    ///
    /// Progress reports `.total(n)`, then `.cached(k)` for the items found on disk, then the
    /// usual events for the `n - k` computed.
    ///
    /// A batch takes about a tenth of a second (at most 65,536 items): what a kill loses is the
    /// batch in flight. Each committed batch is also noted in the map's journal (in the
    /// directory's `journals/`, keyed by all the inputs), so that the same map run again reads
    /// those outputs back in order, without a key or an index lookup per item; the other items
    /// are looked up one key at a time.
    ///
    /// - Throws: ``MemoryError``: ``MemoryError/Code/backend`` with the map's `BackendError`
    ///   (the batches finished before it are stored), ``MemoryError/Code/storeFailed``,
    ///   ``MemoryError/Code/unkeyable``.
    public func map<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: some Collection<Task.Input>, cache memory: Memory, version: Int = 0
    ) async throws(MemoryError) -> [Task.Output] {
        let inputs = Array(inputs)
        let prefix = memory.keyPrefix(signature: Task.signature, version: version)
        let runKey = inputs.count >= RunJournal.minimumItems ? try prefix.runKey(inputs) : nil
        var (pieces, read) =
            runKey.map { memory.served($0, tag: prefix.tag, count: inputs.count, as: Task.Output.self) }
            ?? (OutputPieces(count: inputs.count), [:])
        let unserved = pieces.uncovered
        let keys: [MemoryKey] =
            unserved.count < 256
            ? try unserved.map { (index) throws(MemoryError) in try prefix.key(inputs[index]) }
            : try unserved.parallelMap(workers: jobs) { (index) throws(MemoryError) in try prefix.key(inputs[index]) }
        let missing = memory.lookup(keys, at: unserved, skipping: read, into: &pieces).map {
            (index: unserved[$0], key: keys[$0])
        }
        let (sink, bar) = progressTarget(total: inputs.count)
        sink?.report(.total(inputs.count))
        if inputs.count > missing.count { sink?.report(.cached(inputs.count - missing.count)) }
        var inner = self
        inner.progress = sink.map { .sink(WithoutTotal(sink: $0)) }
        do throws(MemoryError) {
            try await inner.runMissing(task, inputs, missing, memory, prefix.tag, runKey, into: &pieces)
        } catch {
            bar?.finish(failed: true)
            throw error
        }
        bar?.finish()
        return pieces.assembled()
    }

    /// Computes the items of `missing` in batches of about a tenth of a second, storing each and
    /// noting it in the journal of `runKey` (nil: a map too small to have one).
    private func runMissing<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: [Task.Input], _ missing: [(index: Int, key: MemoryKey)], _ memory: Memory,
        _ tag: UInt64, _ runKey: MemoryKey?, into pieces: inout OutputPieces<Task.Output>
    ) async throws(MemoryError) {
        guard !missing.isEmpty else { return }
        var results = pieces
        let storeFailure: MemoryError?
        do {
            storeFailure = try await reusingBackend { (parallel) throws(BackendError) -> MemoryError? in
                var position = 0
                var size = 256
                while position < missing.count {
                    let batch = missing[position..<min(position + size, missing.count)]
                    let started = ContinuousClock.now
                    let computed = try await parallel.map(task, batch.map { inputs[$0.index] })
                    let stored: StoredEntries?
                    do throws(MemoryError) {
                        stored = try memory.store(batch.map(\.key), computed, tag: tag)
                    } catch {
                        return error
                    }
                    let ranges = RunJournal.ranges(of: batch.lazy.map(\.index))
                    if let stored, let runKey {
                        let entry = RunJournal.Batch(
                            segment: stored.segment, offset: stored.offset, length: stored.length, count: stored.count,
                            ranges: ranges)
                        RunJournal.append(entry, runKey: runKey, directory: memory.directory)
                    }
                    results.add(computed, at: ranges)
                    position = batch.endIndex
                    size = Self.nextBatchSize(size, took: ContinuousClock.now - started)
                }
                return nil
            }
        } catch {
            throw MemoryError(.backend, "computing the items missing from \(memory.directory)", backendError: error)
        }
        pieces = results
        if let storeFailure { throw storeFailure }
    }

    /// Batches of about a tenth of a second: twice the last size when it took less than half
    /// that, half when it took more than twice, within 16…65,536 items.
    static func nextBatchSize(_ size: Int, took elapsed: Duration) -> Int {
        let target = Duration.milliseconds(100)
        if elapsed < target / 2 { return min(size * 2, 1 << 16) }
        if elapsed > target * 2 { return max(size / 2, 16) }
        return size
    }

    /// The sink for this call's events, and the bar made for it when `progress` is `.bar`.
    private func progressTarget(total: Int) -> ((any ProgressSink)?, ProgressBar?) {
        switch progress {
        case nil: return (nil, nil)
        case .sink(let sink): return (sink, nil)
        case .bar:
            let bar = ProgressBar(style: [.bar, .eta], total: total)
            return (bar, bar)
        }
    }
}

/// Forwards every event but `.total` (the batches' maps report their own sizes; the call has
/// reported its total).
private struct WithoutTotal: ProgressSink {
    let sink: any ProgressSink
    func report(_ event: ProgressEvent) {
        if case .total = event { return }
        sink.report(event)
    }
}
