import Synchronization
import ParallelKitSystem
import Testing

@testable import ParallelKit

#if canImport(Glibc)
import Glibc
#endif

@Suite("engine")
struct EngineTests {
    @Test("nested calls finish with the right result")
    func nested() {
        let outer = Array(0..<64)
        let result = outer.parallelMap(workers: 4) { row in
            Array(0..<2000).parallelMap(workers: 4) { column in
                Array(0..<8).parallelReduce(workers: 4, 0, mapping: { $0 + row + column }) { $0 + $1 }
            }.reduce(0, +)
        }
        let expected = outer.map { row -> Int in
            (0..<2000).map { column -> Int in (0..<8).reduce(0) { $0 + $1 + row + column } }.reduce(0, +)
        }
        #expect(result == expected)
    }

    @Test("nesting starts no extra threads: helpers for the widest single request only")
    func nestingStartsNoExtraThreads() async {
        // The pool is process-wide, only grows, and other tests use it at the same time: count
        // in a fresh process, where only these calls can have started helpers. `.fixed(1)`
        // makes every call, inner ones included, share its work with the pool.
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
            let sums = Array(0..<16).parallelMap(workers: 4, chunking: .fixed(1)) { row in
                Array(0..<64).parallelMap(workers: 4, chunking: .fixed(1)) { $0 + row }.reduce(0, +)
            }
            let afterNesting = (WorkerPool.shared.helperThreads, engineThreadCount())
            // A wider inner request adds exactly the helpers it lacks.
            _ = Array(0..<4).parallelMap(workers: 2, chunking: .fixed(1)) { row in
                Array(0..<64).parallelMap(workers: 6, chunking: .fixed(1)) { $0 + row }.reduce(0, +)
            }
            let afterWider = (WorkerPool.shared.helperThreads, engineThreadCount())
            let right = sums == (0..<16).map { row in (0..<64).reduce(0) { $0 + $1 + row } }
            print("\(right) \(afterNesting) \(afterWider)")
        }
        #expect(result.map { String(decoding: $0.standardOutputContent, as: UTF8.self) } == "true (3, 3) (5, 5)\n")
    }

    @Test("deep nesting with more workers than cores does not deadlock")
    func deepNesting() {
        #expect(Self.leaves(depth: 5) == 1024)
    }

    /// Counts the leaves of a 4-ary tree, one nested parallelMap per level.
    static func leaves(depth: Int) -> Int {
        guard depth > 0 else { return 1 }
        return Array(0..<4).parallelMap(workers: 8, chunking: .fixed(1)) { _ in leaves(depth: depth - 1) }.reduce(0, +)
    }

    @Test("many threads calling at once each get their own correct result")
    func concurrentCallers() async {
        await withTaskGroup(of: Bool.self) { group in
            for caller in 0..<8 {
                group.addTask {
                    let input = Array(0..<200_000)
                    return input.parallelMap(workers: 2) { $0 &+ caller } == input.map { $0 &+ caller }
                }
            }
            for await ok in group { #expect(ok) }
        }
    }

    @Test("helper threads are named pk-engine-N")
    func threadNames() async {
        // Names recorded by the closure itself, in a fresh process, where the pool is empty and
        // busy with nothing else: two elements of one chunk each; each waits (at most 10 s) until
        // both have started, so one runs on the caller and the other on the helper this call starts.
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
            let caller = pthread_self()
            let arrived = Atomic(0)
            let names = Array(0..<2).parallelMap(workers: 2, chunking: .fixed(1)) { _ in
                arrived.add(1, ordering: .sequentiallyConsistent)
                let deadline = ContinuousClock.now + .seconds(10)
                while arrived.load(ordering: .sequentiallyConsistent) < 2, ContinuousClock.now < deadline { usleep(100) }
                return pthread_equal(pthread_self(), caller) != 0 ? "the caller" : OSThread.currentName
            }
            print(names.sorted().joined(separator: ", "))
        }
        #expect(result.map { String(decoding: $0.standardOutputContent, as: UTF8.self) } == "pk-engine-1, the caller\n")
    }

    @Test("an idle pool uses no CPU over one second")
    func idlePoolIsQuiet() async {
        await #expect(processExitsWith: .success) {
            _ = Array(0..<2_000_000).parallelMap(workers: 4) { $0 &* 3 }
            let before = processCPUMicroseconds()
            usleep(1_000_000)
            let used = processCPUMicroseconds() - before
            // A spinning helper would use ~1 s; parked ones use nothing measurable.
            exit(used < 5_000 ? EXIT_SUCCESS : EXIT_FAILURE)
        }
    }
}

/// Names of every thread of this process, from /proc/self/task/*/comm.
func threadNamesOfThisProcess() -> [String] {
    guard let directory = opendir("/proc/self/task") else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard name.first?.isNumber == true, let comm = SmallFile.text("/proc/self/task/\(name)/comm") else { continue }
        names.append(String(comm.trimmingSpaces))
    }
    return names
}

/// How many of this process's threads are the engine's helpers.
func engineThreadCount() -> Int {
    threadNamesOfThisProcess().filter { $0.hasPrefix("pk-engine-") }.count
}

/// User plus system CPU time of the whole process, in microseconds.
func processCPUMicroseconds() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000 + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec
}
