import Testing

@testable import ParallelKit

@Suite("Chunking")
struct ChunkingTests {
    @Test("describes itself")
    func descriptions() {
        #expect(Chunking.adaptive.description == ".adaptive")
        #expect(Chunking.fixed(8).description == ".fixed(8)")
        #expect(Chunking.adaptive(minimum: 4, maximum: 64).description == ".adaptive(minimum: 4, maximum: 64)")
    }

    @Test("guided chunks shrink, respect the bounds, and cover the range exactly once")
    func guidedClaims() {
        let job = LoopJob<Never>(
            range: 0..<10_000, workers: 2, chunking: .adaptive(minimum: 10, maximum: 2000), context: UnsafeRawPointer(bitPattern: 1)!,
            pool: .shared)
        var claimed: [Range<Int>] = []
        while let range = job.claim() { claimed.append(range) }
        #expect(claimed.first == 0..<2000)
        #expect(claimed.allSatisfy { $0.count <= 2000 })
        #expect(claimed.dropLast().allSatisfy { $0.count >= 10 })
        #expect(zip(claimed, claimed.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && $0.count >= $1.count })
        #expect(claimed.last?.upperBound == 10_000)
    }

    @Test("fixed chunks are all the same size but the last")
    func fixedClaims() {
        let job = LoopJob<Never>(range: 5..<105, workers: 4, chunking: .fixed(30), context: UnsafeRawPointer(bitPattern: 1)!, pool: .shared)
        var claimed: [Range<Int>] = []
        while let range = job.claim() { claimed.append(range) }
        #expect(claimed == [5..<35, 35..<65, 65..<95, 95..<105])
    }

    @Test("a chunk size below 1 stops the program")
    func invalidFixed() async {
        await #expect(processExitsWith: .failure) { _ = Chunking.fixed(0) }
    }

    @Test("inverted bounds stop the program")
    func invalidBounds() async {
        await #expect(processExitsWith: .failure) { _ = Chunking.adaptive(minimum: 10, maximum: 5) }
    }
}
