import Foundation
import ParallelKit
import ParallelKitMemory
import Testing

/// Parallel+Memory.swift: a map with the memory as its checkpoint, killed and resumed.
@Suite("Memory as a checkpoint")
struct ResumeTests {
    @Test("a map resumed after a kill computes only what has no entry and returns what a whole run returns")
    func resumeAfterKill() async throws {
        let count = 100_000  // 20 µs each: at least a second on 2 cores
        let expected = (0..<count).map { ($0 &* 2_654_435_761) % 1_000_003 }.reduce(0, &+)
        // Killed once this many items were computed, not after a delay: a sleep on a busy
        // machine's cooperative pool can outlast the whole run (seen in CI at load 50).
        for killAfter in [500, 20_000, Int.random(in: 500...40_000)] {
            let directory = TemporaryDirectory()
            defer { directory.remove() }
            try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
            let counter = directory.path + "/computed"
            let arguments = ["resume", directory.path + "/memory", counter, "\(count)", "20"]

            let process = Process()
            process.executableURL = URL(fileURLWithPath: drillPath)
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let ready = output.fileHandleForReading.readData(ofLength: 6)
            #expect(String(decoding: ready, as: UTF8.self) == "ready\n")
            try waitForFile(counter, toReach: 4 * killAfter, whileRunning: process)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)

            let computedBefore = try Data(contentsOf: URL(fileURLWithPath: counter)).count / 4
            let committed = try Memory(directory: directory.path + "/memory").statistics.entries
            #expect(committed <= computedBefore)

            let run = try runDrill(arguments)
            #expect(run.status == 0)
            #expect(run.lines.last == "\(expected)")
            let computed = try Data(contentsOf: URL(fileURLWithPath: counter)).withUnsafeBytes {
                Array($0.bindMemory(to: Int32.self))
            }
            // Computed twice: exactly the items that ran before the kill and were not committed.
            #expect(computed.count - count == computedBefore - committed)
            #expect(computedBefore - committed <= 2 * 65_536)
            #expect(Set(computed).count == count)
        }
    }

    @Test("progress tells items from the cache apart from computed ones")
    func progress() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let memory = try Memory(directory: directory.path)
        _ = try await Parallel(jobs: 2).map(Triple.self, Array(0..<500), cache: memory)
        let counter = ProgressCounter()
        let outputs = try await Parallel(jobs: 2, progress: .sink(counter)).map(Triple.self, Array(0..<800), cache: memory)
        #expect(outputs == (0..<800).map { $0 * 3 })
        let counts = counter.counts
        #expect(counts.total == 800)
        #expect(counts.cached == 500)
        #expect(counts.finished == 300)
        #expect(counts.started == 300)
        #expect(counts.ended == 800)
    }

    @Test("a failing item ends the map with backend; the batches before it are stored")
    func failure() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let memory = try Memory(directory: directory.path)
        await #expect {
            _ = try await Parallel(jobs: 1).map(FailsAt.self, Array(0..<2000), cache: memory)
        } throws: { error in
            (error as? MemoryError)?.code == .backend && (error as? MemoryError)?.backendError?.code == .taskFailed
        }
        let stored = memory.statistics.entries
        #expect(stored > 0 && stored < 1500)
        let again = try await Parallel(jobs: 2).map(Triple.self, Array(0..<10), cache: memory)
        #expect(again == (0..<10).map { $0 * 3 })
    }
}

struct Triple: WorkerTask {
    static func run(_ input: Int) -> Int { input * 3 }
}

struct FailsAt: WorkerTask {
    struct Failure: Error {}
    static func run(_ input: Int) throws -> Int {
        if input == 1500 { throw Failure() }
        return input
    }
}
