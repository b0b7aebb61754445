import ParallelKitTestTasks
import ParallelKitSystem
import ParallelKitTestSupport
import Synchronization
import Testing

@testable import ParallelKit

/// One backend the conformance suite runs against. A new backend joins with one line in ``all``.
struct BackendUnderTest: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () async throws -> any ParallelBackend

    static let all: [BackendUnderTest] = [
        BackendUnderTest("serial") { SerialBackend() },
        BackendUnderTest("threads") { ThreadsBackend(workers: 3) },
        BackendUnderTest("ThreadPool") { ThreadPool(workers: 3) },
        BackendUnderTest("ProcessPool") { try await ProcessPool(workers: 2, executable: testWorkerPath(), accepting: testWorkerBuild()) },
        BackendUnderTest("another module's backend") { InProcessWireBackend(batchSize: 8) },
    ]

    init(_ name: String, make: @escaping @Sendable () async throws -> any ParallelBackend) {
        self.name = name
        self.make = make
    }

    var testDescription: String { name }
}

@Suite("Backend conformance: every backend means the same by map")
struct BackendConformanceTests {
    @Test("results equal the serial loop's, in order", arguments: BackendUnderTest.all)
    func resultsEqualSerial(backend: BackendUnderTest) async throws {
        let runner = try await backend.make()
        for size in [0, 1, 7, 1000] {
            let inputs = Array((0..<size).map { $0 * 3 - 500 })
            let expected = try await SerialBackend().map(SquareTask.self, inputs, progress: nil)
            let counter = ProgressCounter()
            let outputs = try await runner.map(SquareTask.self, inputs, progress: counter)
            #expect(outputs == expected)
            #expect(outputs == inputs.map { $0 * $0 })
            var counts = ProgressCounter.Counts()
            counts.total = size
            counts.started = size
            counts.finished = size
            #expect(counter.counts == counts)
        }
    }

    @Test("the failing task's error wins, with its index and type", arguments: BackendUnderTest.all)
    func firstErrorWins(backend: BackendUnderTest) async throws {
        let runner = try await backend.make()
        for odd in [0, 5, 99] {
            let inputs = (0..<100).map { $0 == odd ? 2 * $0 + 1 : 2 * $0 }
            let counter = ProgressCounter()
            let error = await #expect(throws: BackendError.self) {
                try await runner.map(EvenOnlyTask.self, inputs, progress: counter)
            }
            #expect(error?.code == .taskFailed)
            #expect(error?.taskIndex == odd)
            #expect(error?.taskError?.typeName.hasSuffix("OddInputError") == true)
            #expect(error?.taskError?.message == "odd input \(2 * odd + 1)")
            let counts = counter.counts
            #expect(counts.total == 100)
            #expect(counts.ended == 100, "finished + failed + skipped = total: \(counts)")
            #expect(counts.failed >= 1)
        }
    }

    @Test("with several failing tasks, the error is one of theirs and names its own index", arguments: BackendUnderTest.all)
    func oneOfSeveralErrorsWins(backend: BackendUnderTest) async throws {
        let runner = try await backend.make()
        let failing: Set = [3, 40, 41, 97]
        let inputs = (0..<100).map { failing.contains($0) ? 2 * $0 + 1 : 2 * $0 }
        let counter = ProgressCounter()
        let error = await #expect(throws: BackendError.self) {
            try await runner.map(EvenOnlyTask.self, inputs, progress: counter)
        }
        let index = try #require(error?.taskIndex)
        #expect(failing.contains(index), "task \(index) did not fail")
        #expect(error?.taskError?.message == "odd input \(2 * index + 1)")
        #expect(counter.counts.ended == 100, "finished + failed + skipped = total: \(counter.counts)")
    }

    @Test("cancelling the caller ends the call with .cancelled; the counts still add up",
          arguments: BackendUnderTest.all)
    func cancellation(backend: BackendUnderTest) async throws {
        let runner = try await backend.make()
        #expect(runner.capabilities.contains(.supportsCancellation))
        let counter = ProgressCounter()
        let inputs = Array(repeating: 40, count: 60)  // 60 × 40 ms: 2.4 s on one worker
        let call = Task { try await runner.map(SleepTask.self, inputs, progress: counter) }
        // Cancelled from a thread of its own: SleepTask blocks, and on the serial and threads
        // backends it blocks the cooperative pool, which would delay a `Task.sleep` here.
        OSThread.start(name: "pk-canceller", joinable: false) {
            usleep(150_000)
            call.cancel()
        }
        let result = await call.result
        #expect(throws: BackendError.cancelled) { try result.get() }
        let counts = counter.counts
        #expect(counts.ended == 60, "finished + failed + skipped = total: \(counts)")
        #expect(counts.skipped > 0)
        #expect(counts.finished < 60)
    }

    @Test("closure backends run closures like the serial loop", arguments: BackendUnderTest.all)
    func closures(backend: BackendUnderTest) async throws {
        guard let runner = try await backend.make() as? any ClosureBackend else {
            #expect(try await !backend.make().capabilities.contains(.runsClosures))
            return
        }
        #expect(runner.capabilities.contains(.runsClosures))
        let inputs = Array(0..<5000)
        let counter = ProgressCounter()
        #expect(try await runner.map(inputs, progress: counter) { $0 * 2 + 1 } == inputs.map { $0 * 2 + 1 })
        #expect(counter.counts.finished == 5000)
        let failing = ProgressCounter()
        let error = await #expect(throws: BackendError.self) {
            try await runner.map(inputs, progress: failing) { (value: Int) throws -> Int in
                if value == 1234 { throw Boom(index: value) }
                return value
            }
        }
        #expect(error?.code == .taskFailed)
        #expect(error?.taskIndex == 1234)
        #expect(failing.counts.ended == 5000)
        #expect(failing.counts.failed == 1)
    }

    @Test("parallelMap(_:on:) reaches every backend, .threads by default")
    func collectionEntryPoint() async throws {
        let rows = Array(0..<300)
        let pool = try await ProcessPool(workers: 2, executable: testWorkerPath(), accepting: testWorkerBuild())
        let expected = rows.map { $0 * $0 }
        #expect(try await rows.parallelMap(SquareTask.self) == expected)
        #expect(try await rows.parallelMap(SquareTask.self, on: .serial) == expected)
        #expect(try await rows.parallelMap(SquareTask.self, on: .threads(2)) == expected)
        #expect(try await rows.parallelMap(SquareTask.self, on: .processes(pool)) == expected)
    }

    @Test("capabilities say what differs")
    func capabilities() async throws {
        let pool = try await ProcessPool(workers: 1, executable: testWorkerPath(), accepting: testWorkerBuild())
        #expect(pool.capabilities.contains(.isolatesCrashes))
        #expect(!pool.capabilities.contains(.runsClosures))
        #expect(ThreadsBackend().capabilities.contains(.sharesMemory))
        #expect(!ThreadsBackend().capabilities.contains(.isolatesCrashes))
        #expect(SerialBackend().workerCount == 1)
        #expect("\(BackendCapabilities([.runsClosures, .supportsRetries]))" == "[runsClosures, supportsRetries]")
    }
}

@Suite("Progress sinks")
struct ProgressSinkTests {
    @Test("a ProgressBar counts a backend's events; failed and skipped items end the bar")
    func progressBar() async throws {
        let bar = ProgressBar(style: .counts, output: -1)
        _ = try? await SerialBackend().map(EvenOnlyTask.self, [0, 2, 3, 4, 6], progress: bar)
        let snapshot = bar.snapshot
        #expect(snapshot.total == 5)
        #expect(snapshot.started == 3)
        #expect(snapshot.finished == 5)
        #expect(snapshot.failed == 1)
    }
}
