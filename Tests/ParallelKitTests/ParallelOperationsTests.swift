import Synchronization
import Testing

@testable import ParallelKit

@Suite("parallelCompactMap, parallelFlatMap, parallelFilter, parallelForEach, parallelReduce")
struct ParallelOperationsTests {
    @Test("compactMap equals the serial one", arguments: checkedSizes, checkedChunkings)
    func compactMap(size: Int, chunking: Chunking) {
        let input = Array(0..<size)
        let transform: @Sendable (Int) -> Int? = { $0 % 3 == 0 ? nil : $0 * 2 }
        for workers in checkedWorkers {
            #expect(input.parallelCompactMap(workers: workers, chunking: chunking, transform) == input.compactMap(transform))
        }
    }

    @Test("flatMap equals the serial one", arguments: checkedSizes, checkedChunkings)
    func flatMap(size: Int, chunking: Chunking) {
        let input = Array(0..<min(size, 100_000))
        let transform: @Sendable (Int) -> [Int] = { Array(repeating: $0, count: $0 % 4) }
        for workers in checkedWorkers {
            #expect(input.parallelFlatMap(workers: workers, chunking: chunking, transform) == input.flatMap(transform))
        }
    }

    @Test("filter keeps order and equals the serial one", arguments: checkedSizes, checkedChunkings)
    func filter(size: Int, chunking: Chunking) {
        let input = Array(0..<size)
        for workers in checkedWorkers {
            #expect(input.parallelFilter(workers: workers, chunking: chunking) { $0 % 7 < 3 } == input.filter { $0 % 7 < 3 })
        }
    }

    @Test("filter on a large input exercises the parallel join")
    func largeFilter() {
        let input = Array(0..<3_000_000)
        #expect(input.parallelFilter(workers: 4) { $0 & 1 == 0 } == input.filter { $0 & 1 == 0 })
    }

    @Test("forEach visits every element exactly once", arguments: checkedSizes, checkedChunkings)
    func forEach(size: Int, chunking: Chunking) {
        let sum = Atomic<Int>(0)
        let calls = Counter()
        Array(0..<size).parallelForEach(workers: 4, chunking: chunking) { value in
            calls.increment()
            sum.add(value, ordering: .relaxed)
        }
        #expect(calls.count == size)
        #expect(sum.load(ordering: .relaxed) == (0..<size).reduce(0, +))
    }

    @Test("reduce equals the serial one", arguments: checkedSizes, checkedChunkings)
    func reduce(size: Int, chunking: Chunking) {
        let input = Array(0..<size)
        let sumOfSquares = input.reduce(0) { $0 &+ $1 &* $1 }
        let sum = input.reduce(0, &+)
        for workers in checkedWorkers {
            let mapped = input.parallelReduce(workers: workers, chunking: chunking, 0, mapping: { $0 &* $0 }) { $0 &+ $1 }
            #expect(mapped == sumOfSquares)
            let plain = input.parallelReduce(workers: workers, chunking: chunking, 0) { $0 &+ $1 }
            #expect(plain == sum)
        }
    }

    @Test("reduce keeps order, so a non-commutative combine works")
    func reduceKeepsOrder() {
        let input = Array(0..<20_000)
        let joined = input.parallelReduce(workers: 4, chunking: .fixed(33), [Int](), mapping: { [$0] }) { $0 + $1 }
        #expect(joined == input)
    }

    @Test("errors keep their type in every operation")
    func typedErrors() {
        let input = Array(0..<50_000)
        #expect(throws: Boom(index: 9)) {
            _ = try input.parallelCompactMap(workers: 1) { (v: Int) throws(Boom) -> Int? in
                if v == 9 { throw Boom(index: 9) }
                return v
            }
        }
        #expect(throws: Boom.self) {
            _ = try input.parallelFlatMap(workers: 4) { (v: Int) throws(Boom) -> [Int] in
                if v == 40_000 { throw Boom(index: v) }
                return [v]
            }
        }
        #expect(throws: Boom.self) {
            _ = try input.parallelFilter(workers: 4) { (v: Int) throws(Boom) -> Bool in
                if v == 30_000 { throw Boom(index: v) }
                return true
            }
        }
        #expect(throws: Boom.self) {
            try input.parallelForEach(workers: 4) { (v: Int) throws(Boom) in
                if v == 20_000 { throw Boom(index: v) }
            }
        }
        #expect(throws: Boom.self) {
            _ = try input.parallelReduce(
                workers: 4, 0,
                mapping: { (v: Int) throws(Boom) -> Int in
                    if v == 10_000 { throw Boom(index: v) }
                    return v
                },
                { (a: Int, b: Int) throws(Boom) -> Int in a + b })
        }
    }
}
