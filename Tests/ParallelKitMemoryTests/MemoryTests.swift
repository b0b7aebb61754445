import Foundation
import ParallelKit
import ParallelKitMemory
import Synchronization
import Testing

/// Memory.swift and CachedFunction.swift: hits, misses, versions, statistics, clear, the seed's example.
@Suite("Memory")
struct MemoryTests {
    @Test("a miss runs the work and stores it; a hit returns it without running, in a new Memory too")
    func hitAndMiss() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let calls = Calls()
        let memory = try Memory(directory: directory.path)
        let square = memory.cache("square", version: 1) { (x: Int) in
            calls.add()
            return x * x
        }
        #expect(try await square(7) == 49)
        #expect(try await square(7) == 49)
        #expect(try await square(8) == 64)
        #expect(calls.count == 2)
        #expect(try square.cachedOutput(for: 7) == 49)
        #expect(try square.cachedOutput(for: 9) == nil)

        let later = try Memory(directory: directory.path)
        let again = later.cache("square", version: 1) { (x: Int) in
            calls.add()
            return -1
        }
        #expect(try await again(7) == 49)
        #expect(calls.count == 2)
    }

    @Test("bumping a version invalidates that function's entries only")
    func versionBump() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let memory = try Memory(directory: directory.path)
        let calls = Calls()
        func doubled(version: Int) -> CachedFunction<Int, Int> {
            memory.cache("doubled", version: version) { (x: Int) in
                calls.add()
                return x * 2 + version
            }
        }
        let other = memory.cache("other", version: 1) { (x: Int) in
            calls.add()
            return x + 100
        }
        #expect(try await doubled(version: 1)(5) == 11)
        #expect(try await other(5) == 105)
        #expect(calls.count == 2)
        #expect(try await doubled(version: 2)(5) == 12)
        #expect(calls.count == 3)
        #expect(try await other(5) == 105)
        #expect(try await doubled(version: 1)(5) == 11)
        #expect(calls.count == 3)
        #expect(try doubled(version: 1).key(for: 5) != doubled(version: 2).key(for: 5))
    }

    @Test("a function's clear() removes its entries, every version's, and no other function's")
    func functionClear() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let memory = try Memory(directory: directory.path)
        let calls = Calls()
        func doubled(version: Int) -> CachedFunction<Int, Int> {
            memory.cache("doubled", version: version) { (x: Int) in
                calls.add()
                return x * 2
            }
        }
        let other = memory.cache("other", version: 1) { (x: Int) in
            calls.add()
            return x + 100
        }
        for x in 1...3 {
            _ = try await doubled(version: 1)(x)
            _ = try await doubled(version: 2)(x)
            _ = try await other(x)
        }
        #expect(memory.statistics.entries == 9)
        #expect(calls.count == 9)

        try doubled(version: 1).clear()
        #expect(memory.statistics.entries == 3)
        #expect(try doubled(version: 1).cachedOutput(for: 1) == nil)
        #expect(try doubled(version: 2).cachedOutput(for: 1) == nil)
        #expect(try other.cachedOutput(for: 2) == 102)
        let fresh = try Memory(directory: directory.path)
        #expect(fresh.statistics.entries == 3)
        #expect(try fresh.cache("other", version: 1) { (x: Int) in -x }.cachedOutput(for: 3) == 103)

        #expect(try await doubled(version: 1)(2) == 4)
        #expect(try await other(2) == 102)
        #expect(calls.count == 10)
        try other.clear()
        try other.clear()  // nothing left of it: a no-op
        #expect(memory.statistics.entries == 1)
        #expect(try doubled(version: 1).cachedOutput(for: 2) == 4)
        #expect(directory.logFiles.count == 1)
    }

    @Test("a task's key holds its name and types; a named closure's holds its name")
    func signatures() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let memory = try Memory(directory: directory.path)
        let task = memory.cache(Cube.self, version: 0)
        #expect(task.signature.hasPrefix("Cube(Swift.Int) -> Swift.Int"))
        let closure = memory.cache("Cube", version: 0) { (x: Int) in x }
        #expect(try task.key(for: 3) == closure.key(for: 3))
        let wider = memory.cache("Cube", version: 0) { (x: Int) in Double(x) }
        #expect(try wider.key(for: 3) != closure.key(for: 3))
    }

    @Test("statistics count hits, misses, stores, entries and bytes; clear() removes every entry")
    func statisticsAndClear() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let memory = try Memory(directory: directory.path)
        let calls = Calls()
        let negate = memory.cache("negate") { (x: Int) in
            calls.add()
            return -x
        }
        for x in [1, 2, 3, 1, 2, 1] { _ = try await negate(x) }
        var statistics = memory.statistics
        #expect(statistics.hits == 3)
        #expect(statistics.misses == 3)
        #expect(statistics.stores == 3)
        #expect(statistics.entries == 3)
        #expect(statistics.bytes > 3 * 64)
        #expect(statistics.evictions == 0)
        #expect(statistics.damaged == 0)

        try memory.clear()
        statistics = memory.statistics
        #expect(statistics.entries == 0)
        #expect(statistics.bytes == 0)
        #expect(directory.logFiles.isEmpty)
        #expect(try await negate(1) == -1)
        #expect(calls.count == 4)
        #expect(try Memory(directory: directory.path).statistics.entries == 1)
    }

    @Test("the seed's promise: a costly function over inputs, run twice — the second run is served from disk")
    func seedExample() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        SeedCostly.calls.withLock { $0 = 0 }
        let pairs = (0..<30).flatMap { i in (0..<10).map { j in SeedCostly.Input(i: i, j: j) } }
        let first = try await Parallel(jobs: 2).map(SeedCostly.self, pairs, cache: try Memory(directory: directory.path))
        #expect(SeedCostly.calls.withLock { $0 } == 300)
        let counter = ProgressCounter()
        let memory = try Memory(directory: directory.path)
        let second = try await Parallel(jobs: 2, progress: .sink(counter)).map(SeedCostly.self, pairs, cache: memory)
        #expect(second == first)
        #expect(first[13] == (1.0).squareRoot() + 3)
        #expect(SeedCostly.calls.withLock { $0 } == 300)
        #expect(memory.statistics.hits == 300)
        #expect(counter.counts.cached == 300)
        #expect(counter.counts.started == 0)
        #expect(counter.counts.total == 300)
    }

    @Test("a Memory in a directory that cannot be made fails with directoryUnusable")
    func unusableDirectory() {
        #expect {
            _ = try Memory(directory: "/proc/parallelkit-memory-cannot-be-here")
        } throws: { error in
            (error as? MemoryError)?.code == .directoryUnusable
        }
    }
}

struct Cube: WorkerTask {
    static func run(_ input: Int) -> Int { input * input * input }
}

/// The seed's `function_to_test(i, j)`: its sleep made short.
struct SeedCostly: WorkerTask {
    struct Input: Codable, Sendable {
        var i: Int
        var j: Int
    }
    static let calls = Mutex(0)
    static func run(_ input: Input) -> Double {
        calls.withLock { $0 += 1 }
        usleep(200)
        return Double(input.i * input.i).squareRoot() + Double(input.j * input.j).squareRoot()
    }
}
