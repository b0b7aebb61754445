import ParallelKitTestTasks
import Testing

@testable import ParallelKit

// The suite is declared in TestSupport.swift, with the other suites that ProcessPoolSuites runs one at a time.
extension ProcessPoolSuites.ProcessPoolStreamsTests {
    @Test("stream delivers in order and streamUnordered delivers every item exactly once", arguments: [.fixed(1), .fixed(16), .adaptive] as [Chunking])
    func streams(chunking: Chunking) async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        var ordered: [Int] = []
        for try await value in pool.stream(SquareTask.self, 0..<1000, chunking: chunking) { ordered.append(value) }
        #expect(ordered == (0..<1000).map { $0 * $0 })
        var seen = [Int](repeating: 0, count: 1000)
        for try await (index, value) in pool.streamUnordered(SquareTask.self, 0..<1000, chunking: chunking) {
            #expect(value == index * index)
            seen[index] += 1
        }
        #expect(seen.allSatisfy { $0 == 1 })
    }

    @Test("stream reads an endless input lazily and stops when the loop does")
    func streamEndless() async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        let pulled = Counter()
        let endless = sequence(first: 0) { value in
            pulled.increment()
            return value + 1
        }
        var taken = 0
        for try await value in pool.stream(SquareTask.self, endless, chunking: .fixed(4), maxBuffered: 12) {
            #expect(value == taken * taken)
            taken += 1
            if taken == 200 { break }
        }
        #expect(pulled.count <= 200 + 4 * 3 + 4)
    }
}
