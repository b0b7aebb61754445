import Synchronization
import Testing

@testable import ParallelKit

@Suite("parallelMap")
struct ParallelMapTests {
    @Test("equals the serial map at every size and chunking", arguments: checkedSizes, checkedChunkings)
    func matchesSerial(size: Int, chunking: Chunking) {
        let input = Array(0..<size)
        for workers in checkedWorkers {
            let result = input.parallelMap(workers: workers, chunking: chunking) { $0 &* 31 &+ 7 }
            #expect(result == input.map { $0 &* 31 &+ 7 }, "workers \(workers)")
        }
    }

    @Test("keeps the order of expensive, uneven elements")
    func orderWithUnevenCost() {
        let input = Array(0..<2000)
        let result = input.parallelMap(workers: 4) { index -> Int in
            _ = spin(index % 17 == 0 ? 2000 : 10, index)
            return index
        }
        #expect(result == input)
    }

    @Test("works on collections without random access")
    func nonRandomAccess() {
        let words: Set<String> = ["alpha", "beta", "gamma", "delta", "epsilon"]
        #expect(words.parallelMap { $0.count } == words.map { $0.count })
        let dictionary = Dictionary(uniqueKeysWithValues: (0..<5000).map { ($0, $0 * 2) })
        #expect(dictionary.values.parallelMap { $0 + 1 } == dictionary.values.map { $0 + 1 })
    }

    @Test("works on slices and ranges that do not start at zero")
    func offsetIndices() {
        let array = Array(0..<100_000)
        let slice = array[25_000..<75_000]
        #expect(slice.parallelMap(workers: 2) { $0 * 2 } == slice.map { $0 * 2 })
        #expect((10..<50_010).parallelMap(workers: 2) { $0 - 10 } == Array(0..<50_000))
    }

    @Test("a non-throwing transform needs no try, and a throwing one keeps its error type")
    func typedThrows() {
        let plain: [Int] = [1, 2, 3].parallelMap { $0 + 1 }
        #expect(plain == [2, 3, 4])
        #expect(throws: Boom(index: 500)) {
            _ = try Array(0..<100_000).parallelMap(workers: 2) { (value: Int) throws(Boom) -> Int in
                if value == 500 { throw Boom(index: value) }
                return value
            }
        }
    }

    @Test("the first error wins, and nothing runs after the call returns", arguments: checkedChunkings)
    func errorStopsEverything(chunking: Chunking) async throws {
        let calls = Counter()
        var thrown: Boom?
        do {
            _ = try Array(0..<200_000).parallelMap(workers: 4, chunking: chunking) {
                (value: Int) throws(Boom) -> Int in
                calls.increment()
                if value % 1000 == 999 { throw Boom(index: value) }
                _ = spin(20, value)
                return value
            }
        } catch {
            thrown = error
        }
        #expect(thrown != nil && thrown!.index % 1000 == 999)
        let callsAtReturn = calls.count
        #expect(callsAtReturn < 200_000, "remaining chunks are skipped")
        try await Task.sleep(for: .milliseconds(50))
        #expect(calls.count == callsAtReturn, "no element is processed after the call returns")
    }

    @Test("a failed map deinitializes every result it had made, exactly once")
    func failureReleasesPartialResults() {
        #expect(Tracked.alive.load(ordering: .relaxed) == 0)
        #expect(throws: Boom.self) {
            _ = try Array(0..<100_000).parallelMap(workers: 4, chunking: .fixed(100)) {
                (value: Int) throws(Boom) -> Tracked in
                if value == 73_333 { throw Boom(index: value) }
                return Tracked(value)
            }
        }
        #expect(Tracked.alive.load(ordering: .relaxed) == 0)
        let kept = Array(0..<10_000).parallelMap(workers: 4) { Tracked($0) }
        #expect(Tracked.alive.load(ordering: .relaxed) == 10_000)
        #expect(kept.map(\.value) == Array(0..<10_000))
    }

    @Test("every element is transformed exactly once")
    func exactlyOnce() {
        let seen = Mutex([Int](repeating: 0, count: 100_000))
        _ = Array(0..<100_000).parallelMap(workers: 4) { index in
            seen.withLock { $0[index] += 1 }
        }
        #expect(seen.withLock { $0.allSatisfy { $0 == 1 } })
    }
}
