import Testing

@testable import ParallelKit

@Suite("parallelContains and parallelFirst")
struct ParallelSearchTests {
    @Test("contains agrees with the serial answer", arguments: checkedSizes, checkedChunkings)
    func contains(size: Int, chunking: Chunking) {
        let input = Array(0..<size)
        for workers in checkedWorkers {
            for target in [0, size / 2, size - 1, size] {
                #expect(input.parallelContains(workers: workers, chunking: chunking) { $0 == target } == input.contains(target))
            }
        }
    }

    @Test("first returns the lowest-index match, as a serial loop would", arguments: checkedSizes, checkedChunkings)
    func first(size: Int, chunking: Chunking) {
        let input = (0..<size).map { $0 % 1000 }
        for workers in checkedWorkers {
            for target in [0, 1, 500, 999, 1000] {
                let serial = input.firstIndex(of: target)
                let found = Array(input.indices).parallelFirst(workers: workers, chunking: chunking) { input[$0] == target }
                #expect(found == serial)
            }
        }
    }

    @Test("first prefers an early match to a later one found first")
    func firstLowestIndex() {
        // Every element from 10 on matches; the probe of the last element matches first.
        let input = Array(0..<1_000_000)
        #expect(input.parallelFirst(workers: 4) { $0 >= 10 } == 10)
        #expect(input.parallelFirst(workers: 4, chunking: .fixed(1000)) { $0 % 250_000 == 249_999 } == 249_999)
    }

    @Test("contains stops the other workers soon after a match")
    func containsShortCircuits() {
        let tested = Counter()
        let found = Array(0..<10_000_000).parallelContains(workers: 4) { value in
            tested.increment()
            return value == 1000
        }
        #expect(found)
        #expect(tested.count < 5_000_000, "tested \(tested.count) of 10M elements after an early match")
    }

    @Test("first stops testing elements beyond a match")
    func firstShortCircuits() {
        let tested = Counter()
        let found = Array(0..<10_000_000).parallelFirst(workers: 4) { value in
            tested.increment()
            return value == 2000
        }
        #expect(found == 2000)
        #expect(tested.count < 5_000_000, "tested \(tested.count) of 10M elements after an early match")
    }

    @Test("search errors keep their type")
    func typedErrors() {
        #expect(throws: Boom(index: 3)) {
            _ = try Array(0..<10).parallelContains(workers: 1) { (v: Int) throws(Boom) -> Bool in
                if v == 3 { throw Boom(index: 3) }
                return false
            }
        }
        #expect(throws: Boom.self) {
            _ = try Array(0..<100_000).parallelFirst(workers: 4) { (v: Int) throws(Boom) -> Bool in
                if v == 77_777 { throw Boom(index: v) }
                return false
            }
        }
    }
}
