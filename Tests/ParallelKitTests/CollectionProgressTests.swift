import Synchronization
import Testing

@testable import ParallelKit

/// Counts reports as well as items: progress must come per chunk, never per element.
private final class CountingSink: ProgressSink {
    let counter = ProgressCounter()
    private let reports = Atomic(0)
    func report(_ event: ProgressEvent) {
        reports.add(1, ordering: .relaxed)
        counter.report(event)
    }
    var reportCount: Int { reports.load(ordering: .relaxed) }
}

private struct Refusal: Error {}

@Suite("Collection operations report progress")
struct CollectionProgressTests {
    @Test("parallelMap counts every element, in a few reports per chunk, on every worker count",
          arguments: [Workers.count(1), .count(2), .count(4)])
    func mapCounts(workers: Workers) {
        let sink = CountingSink()
        let input = Array(0..<200_000)
        let output = input.parallelMap(workers: workers, progress: sink) { $0 &* 3 }
        #expect(output == input.map { $0 &* 3 })
        let counts = sink.counter.counts
        #expect(counts.total == 200_000)
        #expect(counts.started == 200_000)
        #expect(counts.finished == 200_000)
        #expect(counts.failed == 0 && counts.skipped == 0)
        #expect(sink.reportCount < 2_000, "\(sink.reportCount) reports for 200,000 elements: not per chunk")
    }

    @Test("an element that throws is one failed item; the ones before it in its chunk finished; the rest are skipped")
    func mapFailure() {
        let counter = ProgressCounter()
        #expect(throws: Refusal.self) {
            try Array(0..<10_000).parallelMap(workers: 2, chunking: .fixed(100), progress: counter) {
                (n: Int) throws(Refusal) -> Int in
                if n == 5_050 { throw Refusal() }
                return n
            }
        }
        let counts = counter.counts
        #expect(counts.total == 10_000)
        #expect(counts.failed == 1)
        #expect(counts.ended == 10_000, "finished + failed + skipped = total: \(counts)")
        #expect(counts.finished >= 50, "the 50 elements of its chunk before it: \(counts)")

        let serial = ProgressCounter()
        #expect(throws: Refusal.self) {
            try [1, 2, 3, 4].parallelMap(workers: 1, progress: serial) { (n: Int) throws(Refusal) -> Int in
                if n == 3 { throw Refusal() }
                return n
            }
        }
        #expect(serial.counts == {
            var expected = ProgressCounter.Counts()
            (expected.total, expected.started, expected.finished, expected.failed, expected.skipped) = (4, 4, 2, 1, 1)
            return expected
        }())
    }

    @Test("forEach, filter, compactMap, flatMap and reduce count every element")
    func otherOperations() {
        let input = Array(0..<50_000)
        func counted(_ body: (ProgressCounter) -> Void) -> ProgressCounter.Counts {
            let counter = ProgressCounter()
            body(counter)
            return counter.counts
        }
        let sum = Atomic(0)
        let forEach = counted { input.parallelForEach(workers: 2, progress: $0) { sum.add($0, ordering: .relaxed) } }
        #expect(sum.load(ordering: .relaxed) == input.reduce(0, +))
        var evens: [Int] = []
        let filter = counted { evens = input.parallelFilter(workers: 2, progress: $0) { $0 % 2 == 0 } }
        #expect(evens == input.filter { $0 % 2 == 0 })
        var halves: [Int] = []
        let compactMap = counted { halves = input.parallelCompactMap(workers: 2, progress: $0) { $0 % 2 == 0 ? $0 / 2 : nil } }
        #expect(halves == Array(0..<25_000))
        var pairs: [Int] = []
        let flatMap = counted { pairs = input.parallelFlatMap(workers: 2, progress: $0) { [$0, $0] } }
        #expect(pairs.count == 100_000)
        var total = 0
        let reduce = counted { total = input.parallelReduce(workers: 2, progress: $0, 0, +) }
        #expect(total == input.reduce(0, +))
        for counts in [forEach, filter, compactMap, flatMap, reduce] {
            #expect(counts.total == 50_000 && counts.finished == 50_000 && counts.ended == 50_000, "\(counts)")
        }
    }
}
