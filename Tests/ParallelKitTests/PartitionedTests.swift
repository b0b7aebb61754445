import ParallelKit
import Testing

@Suite("Partitioned")
struct PartitionedTests {
    static let workers = Workers.all.count

    @Test("np.array_split's sizes for every count from 0 to 3 × workers, and concatenation gives the input back")
    func sizes() {
        for parts in 1...max(Self.workers, 2) + 1 {
            for count in 0...(3 * Self.workers) {
                let input = Array(0..<count)
                let pieces = input.partitioned(into: parts)
                let sizes = pieces.map(\.count)
                let expected = (0..<parts).map { count / parts + ($0 < count % parts ? 1 : 0) }
                #expect(sizes == expected, "count \(count) into \(parts)")
                #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1)
                #expect(pieces.concatenated() == input)
            }
        }
    }

    @Test("NumPy's own examples: 10 into 3, 8 into 3, 2 into 4")
    func numpyExamples() {
        #expect(Array(0..<10).partitioned(into: 3).map(Array.init) == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]])
        #expect(Array(0..<8).partitioned(into: 3).map(Array.init) == [[0, 1, 2], [3, 4, 5], [6, 7]])
        #expect(Array(0..<2).partitioned(into: 4).map(\.count) == [1, 1, 0, 0])
    }

    @Test("any random-access collection: a range, a string's UTF-8 view, an array slice")
    func otherCollections() {
        #expect((5..<12).partitioned(into: 2) == [5..<9, 9..<12])
        #expect(Array("abcde".utf8).partitioned(into: 2).map { String(decoding: $0, as: UTF8.self) } == ["abc", "de"])
        let slice = Array(0..<20)[5..<15]
        #expect(slice.partitioned(into: 3).map(\.first) == [5, 9, 12])
    }

    @Test("partitions mapped in parallel equal the serial loop's")
    func mappedInParallel() async throws {
        let input = (0..<1001).map { $0 * 7 % 13 }
        let serial = input.partitioned(into: 5).map { $0.reduce(0, +) }
        let parallel = try await Parallel(jobs: 2).map(input.partitioned(into: 5)) { $0.reduce(0, +) }
        #expect(parallel == serial)
        #expect(serial.reduce(0, +) == input.reduce(0, +))
    }

    @Test("zero parts stops the program")
    func zeroParts() async {
        await #expect(processExitsWith: .failure) { _ = [1, 2, 3].partitioned(into: 0) }
    }
}
