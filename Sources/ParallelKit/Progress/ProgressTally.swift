import Synchronization

/// A backend's side of one call's progress: forwards events to the caller's sink and counts
/// outcomes, so that ``close()`` can report the items that never ran as skipped — the one
/// place that makes finished + failed + skipped add up to the total on every backend.
@usableFromInline
package final class ProgressTally: Sendable {
    private let sink: (any ProgressSink)?
    private let total: Int?
    private let ended = Atomic(0)

    /// Reports `.total(total)` to `sink` when the total is known (a stream's may not be); with
    /// no sink every method does nothing.
    @usableFromInline
    package init(_ sink: (any ProgressSink)?, total: Int?) {
        self.sink = sink
        self.total = total
        if let total { sink?.report(.total(total)) }
    }

    @usableFromInline
    package func started(_ count: Int = 1) { sink?.report(.started(count)) }

    @usableFromInline
    package func finished(_ count: Int = 1) { end(.finished(count), count) }

    @usableFromInline
    package func failed(_ count: Int = 1) { end(.failed(count), count) }

    /// Reports every item of a known total without an outcome yet as skipped. Call once, when
    /// the call ends.
    @usableFromInline
    package func close() {
        guard let sink, let total else { return }
        let left = total - ended.load(ordering: .acquiring)
        if left > 0 { sink.report(.skipped(left)) }
    }

    private func end(_ event: ProgressEvent, _ count: Int) {
        guard let sink, count > 0 else { return }
        ended.add(count, ordering: .releasing)
        sink.report(event)
    }
}

extension ProgressTally {
    /// Counts the batch starting at input `batchStart` that ended with `error`, as a process
    /// pool's worker ran it: in order, stopping at the first task that threw. So for a thrown
    /// task the items before it finished and it failed (the rest of the batch is left for
    /// ``close()``: skipped); for a worker that died or timed out every item it held failed
    /// (their outcome is unknown); a batch dropped unstarted is left for ``close()``.
    package func batchFailed(_ error: BackendError, batchStart: Int) {
        guard error.code != .cancelled, error.code != .closed, let tasks = error.tasks else { return }
        if error.code == .taskFailed {
            finished(tasks.lowerBound - batchStart)
            failed(1)
        } else {
            failed(tasks.count)
        }
    }
}
