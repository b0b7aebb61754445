import Testing

@testable import ParallelKit

@Suite("BatchSizer")
struct BatchSizerTests {
    @Test("fixed batches keep their size whatever was measured")
    func fixed() {
        var sizer = BatchSizer(chunking: .fixed(7), workers: 2)
        #expect(sizer.nextSize(remaining: 100) == 7)
        sizer.record(seconds: 1e-6, count: 7)
        #expect(sizer.nextSize(remaining: 100) == 7)
        #expect(sizer.nextSize(remaining: 3) == 3)
        #expect(BatchSizer.queuedAtOnce(count: 1000, workers: 2, chunking: .fixed(7)) == 7)
    }

    @Test("adaptive batches start at the minimum, grow at most 16x towards 50 ms, and stay in bounds")
    func adaptive() {
        var sizer = BatchSizer(chunking: .adaptive, workers: 2)
        #expect(sizer.nextSize(remaining: 1_000_000) == 1)
        sizer.record(seconds: 1e-6, count: 1)  // 1 µs an input: 50,000 would take 50 ms
        #expect(sizer.nextSize(remaining: 1_000_000) == 16)
        sizer.record(seconds: 16e-6, count: 16)
        #expect(sizer.nextSize(remaining: 1_000_000) == 256)
        #expect(sizer.nextSize(remaining: 400) == 100, "leaves two batches per worker")
        #expect(sizer.nextSize(remaining: .max) == 256, "a stream of unknown length")

        var bounded = BatchSizer(chunking: .adaptive(minimum: 10, maximum: 40), workers: 2)
        #expect(bounded.nextSize(remaining: 1_000_000) == 10)
        bounded.record(seconds: 10e-6, count: 10)
        #expect(bounded.nextSize(remaining: 1_000_000) == 40)
        #expect(bounded.nextSize(remaining: 20) == 10, "the minimum wins over the balance")
        #expect(bounded.nextSize(remaining: 4) == 4)
    }

    @Test("a map's adaptive batch is never larger than the inputs in flight, once any are")
    func boundedByInFlight() {
        var sizer = BatchSizer(chunking: .adaptive, workers: 2)
        sizer.record(seconds: 1e-6, count: 1)
        sizer.record(seconds: 16e-6, count: 16)  // would grow to 256
        #expect(sizer.nextSize(remaining: 1_000_000, inFlight: 0) == 256, "nothing in flight: the measured size")
        #expect(sizer.nextSize(remaining: 1_000_000, inFlight: 3) == 3, "the workers have 3 inputs: send no more than that")
        #expect(sizer.nextSize(remaining: 1_000_000, inFlight: 10_000) == 256, "the measured size when smaller")
        #expect(sizer.nextSize(remaining: 8, inFlight: 3) == 2, "and the balance still leaves every worker a batch")

        let fixed = BatchSizer(chunking: .fixed(50), workers: 2)
        #expect(fixed.nextSize(remaining: 1_000, inFlight: 3) == 50, "Python's chunksize is kept as given")
        let bounded = BatchSizer(chunking: .adaptive(minimum: 10, maximum: 40), workers: 2)
        #expect(bounded.nextSize(remaining: 1_000, inFlight: 3) == 10, "never below the minimum")
    }

    @Test("queued at once, adaptive cuts about four batches per worker, as Python's map_async")
    func queuedAtOnce() {
        #expect(BatchSizer.queuedAtOnce(count: 1000, workers: 2, chunking: .adaptive) == 125)
        #expect(BatchSizer.queuedAtOnce(count: 3, workers: 2, chunking: .adaptive) == 1)
        #expect(BatchSizer.queuedAtOnce(count: 1000, workers: 2, chunking: .adaptive(minimum: 1, maximum: 50)) == 50)
        #expect(BatchSizer.queuedAtOnce(count: 10, workers: 2, chunking: .adaptive(minimum: 4)) == 4)
    }
}
