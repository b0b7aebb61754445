import ParallelKitTestTasks
import Synchronization
import Testing

@testable import ParallelKit

// The suite is declared in TestSupport.swift, with the other suites that ProcessPoolSuites runs one at a time.
extension ProcessPoolSuites.ParallelBackendTests {
    @Test("the same WorkerTask runs on threads or on processes with one word changed", arguments: ["threads", "processes"])
    func parity(backendName: String) async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        let backend: any ParallelBackend = backendName == "threads" ? .threads : .processes(pool)
        let inputs = Array(0..<3000)
        #expect(try await inputs.parallelMap(SquareTask.self, on: backend) == inputs.map { $0 * $0 })
        await #expect {
            _ = try await [2, 4, 5].parallelMap(EvenOnlyTask.self, on: backend)
        } throws: { error in
            guard let error = error as? BackendError else { return false }
            return error.code == .taskFailed && error.taskIndex == 2 && error.taskError?.message == "odd input 5"
        }
    }
}

/// Records every event, in arrival order.
private final class RecordingSink: ProgressSink {
    private let events = Mutex<[ProgressEvent]>([])
    func report(_ event: ProgressEvent) { events.withLock { $0.append(event) } }
    var recorded: [ProgressEvent] { events.withLock { $0 } }
}

extension ProcessPoolSuites.ParallelBackendTests {
    @Test("a process pool reports progress per batch, in items, and the counts add up")
    func progressPerBatch() async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        let sink = RecordingSink()
        let inputs = Array(0..<2000)
        let outputs = try await pool.map(SquareTask.self, inputs, chunking: .fixed(100), progress: sink)
        #expect(outputs == inputs.map { $0 * $0 })
        let events = sink.recorded
        #expect(events.first == .total(2000))
        let finished = events.compactMap { if case .finished(let n) = $0 { n } else { nil } }
        #expect(finished == Array(repeating: 100, count: 20), "one .finished per batch of 100 items")
        let started = events.reduce(0) { if case .started(let n) = $1 { $0 + n } else { $0 } }
        #expect(started == 2000)

        let counter = ProgressCounter()
        let odd = [Int](repeating: 2, count: 520) + [3] + [Int](repeating: 2, count: 480)
        await #expect(throws: BackendError.self) {
            try await pool.map(EvenOnlyTask.self, odd, chunking: .fixed(50), progress: counter)
        }
        let counts = counter.counts
        #expect(counts.total == 1001)
        #expect(counts.ended == 1001, "finished + failed + skipped = total: \(counts)")
        #expect(counts.failed == 1, "only the task that threw failed: \(counts)")
        #expect(counts.finished >= 20, "the 20 items its batch ran before it finished: \(counts)")

        // One batch, sent from the calling thread: the two items before the throw finished.
        let direct = ProgressCounter()
        await #expect(throws: BackendError.self) {
            try await pool.map(EvenOnlyTask.self, [2, 2, 3, 2], chunking: .fixed(4), progress: direct)
        }
        #expect(direct.counts.finished == 2 && direct.counts.failed == 1 && direct.counts.skipped == 1, "\(direct.counts)")
    }
}
