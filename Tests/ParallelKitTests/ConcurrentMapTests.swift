import Synchronization
import Testing

@testable import ParallelKit

@Suite("concurrentMap and friends")
struct ConcurrentMapTests {
    @Test("results come back in input order", arguments: [0, 1, 5, 100, 1000])
    func order(size: Int) async throws {
        let result = try await (0..<size).concurrentMap(workers: 7) { value -> Int in
            try await Task.sleep(for: .microseconds((size - value) % 13))
            return value * 3
        }
        #expect(result == (0..<size).map { $0 * 3 })
    }

    @Test("never more than `workers` calls run at once", arguments: [1, 3, 16])
    func boundedConcurrency(bound: Int) async throws {
        let running = Atomic<Int>(0)
        let highest = Atomic<Int>(0)
        _ = try await (0..<200).concurrentMap(workers: .count(bound)) { value -> Int in
            let now = running.add(1, ordering: .relaxed).newValue
            highest.max(now, ordering: .relaxed)
            try await Task.sleep(for: .milliseconds(1))
            running.subtract(1, ordering: .relaxed)
            return value
        }
        #expect(highest.load(ordering: .relaxed) <= bound)
        #expect(highest.load(ordering: .relaxed) >= min(bound, 2))
    }

    @Test("the input is read lazily: an endless sequence is fine while results fit")
    func lazyInput() async throws {
        let pulled = Counter()
        let numbers = sequence(first: 0) { value in
            pulled.increment()
            return value < 49 ? value + 1 : nil
        }
        let result = try await numbers.concurrentMap(workers: 4) { $0 }
        #expect(result == Array(0..<50))
        #expect(pulled.count == 50)
    }

    @Test("an error is rethrown and the calls still running are cancelled")
    func errors() async {
        let finished = Counter()
        await #expect(throws: Boom(index: 5)) {
            _ = try await (0..<100).concurrentMap(workers: 4) { value -> Int in
                if value == 5 { throw Boom(index: 5) }
                try await Task.sleep(for: .seconds(value > 5 ? 30 : 0))
                finished.increment()
                return value
            }
        }
        #expect(finished.count <= 5)
    }

    @Test("cancelling the calling task throws CancellationError promptly")
    func cancellation() async {
        let started = Counter()
        let task = Task {
            try await (0..<10_000).concurrentMap(workers: 2) { value -> Int in
                started.increment()
                try await Task.sleep(for: .seconds(30))
                return value
            }
        }
        while started.count < 2 { await Task.yield() }
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(started.count <= 3)
    }

    @Test("compactMap, flatMap, filter and forEach agree with their serial forms")
    func derived() async throws {
        let input = Array(0..<500)
        #expect(try await input.concurrentCompactMap { $0 % 3 == 0 ? nil : $0 } == input.compactMap { $0 % 3 == 0 ? nil : $0 })
        #expect(try await input.concurrentFlatMap { [$0, $0] } == input.flatMap { [$0, $0] })
        #expect(try await input.concurrentFilter { $0.isMultiple(of: 4) } == input.filter { $0.isMultiple(of: 4) })
        let sum = Atomic<Int>(0)
        try await input.concurrentForEach(workers: 3) { sum.add($0, ordering: .relaxed) }
        #expect(sum.load(ordering: .relaxed) == input.reduce(0, +))
    }

    @Test("a bound below 1 stops the program")
    func invalidBound() async {
        await #expect(processExitsWith: .failure) {
            _ = try? await [1].concurrentMap(workers: 0) { $0 }
        }
    }
}
