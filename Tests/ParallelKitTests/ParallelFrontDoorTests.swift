import ParallelKitSystem
import ParallelKitTestSupport
import ParallelKitTestTasks
import Synchronization
import Testing

@testable import ParallelKit

/// Every backend `Parallel` makes for a call, in tests (whose processes are the test worker's).
private let everyBackend: [Parallel.Backend] = [.serial, .threads, .threadPool, .processes(worker: testWorker)]
private let inProcessBackends: [Parallel.Backend] = [.serial, .threads, .threadPool]

/// Seed 003's `function_to_test(i, j)` arguments: 30 × 10 pairs, 10 ms each.
private let seedPairs = (0..<30).flatMap { i in (0..<10).map { j in functionToTest_WorkerTask.Input(i: i, j: j) } }

// The suite is declared in TestSupport.swift, with the other suites that ProcessPoolSuites runs one at a time.
extension ProcessPoolSuites.ParallelFrontDoorTests {
    @Test("seed 001: Parallel(n_jobs=4)(delayed(compute_something)(i) for i in range(10)), on every backend",
          arguments: everyBackend)
    func seedComputeSomething(backend: Parallel.Backend) async throws {
        let squares = [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]
        #expect(try await Parallel(jobs: 4, backend: backend).map($computeSomething, 0..<10) == squares)
        if case .processes = backend.kind { return }
        #expect(try await Parallel(jobs: 4, backend: backend).map(0..<10) { $0 * $0 } == squares)
    }

    @Test("seed 003: function_to_test(i, j) over 30 × 10 pairs gives the serial loop's 300 values, on every backend",
          arguments: everyBackend)
    func seedFunctionToTest(backend: Parallel.Backend) async throws {
        let serial = seedPairs.map { Double($0.i) + Double($0.j) }
        let jobs: Workers = if case .processes = backend.kind { .all } else { 8 }
        let counter = ProgressCounter()
        let values = try await Parallel(jobs: jobs, backend: backend, progress: .sink(counter)).map($functionToTest, seedPairs)
        #expect(values == serial)
        #expect(counter.counts.total == 300)
        #expect(counter.counts.finished == 300)
    }

    @Test("a stream gives map's results in input order; an unordered one each index once, on every backend",
          arguments: everyBackend)
    func streams(backend: Parallel.Backend) async throws {
        let front = Parallel(jobs: 3, backend: backend)
        let inputs = Array(0..<200)
        var ordered: [Int] = []
        for try await value in front.stream($cube, inputs, maxBuffered: 5) { ordered.append(value) }
        #expect(ordered == inputs.map { $0 * $0 * $0 })
        var indices: [Int] = []
        for try await (index, value) in front.streamUnordered($cube, inputs, maxBuffered: 5) {
            #expect(value == index * index * index)
            indices.append(index)
        }
        #expect(indices.sorted() == inputs)
        guard !isProcesses(backend) else { return }
        var closures: [Int] = []
        for try await value in front.stream(inputs, maxBuffered: 4, { $0 + 1 }) { closures.append(value) }
        #expect(closures == inputs.map { $0 + 1 })
        var seen = Set<Int>()
        for try await (index, value) in front.streamUnordered(inputs, { $0 - 1 }) {
            #expect(value == index - 1)
            #expect(seen.insert(index).inserted, "index \(index) twice")
        }
        #expect(seen.count == inputs.count)
    }

    @Test("the first error wins, with its index; progress adds up; nothing runs after the call", arguments: everyBackend)
    func firstErrorWins(backend: Parallel.Backend) async throws {
        let counter = ProgressCounter()
        let front = Parallel(jobs: 2, backend: backend, chunking: .fixed(1), progress: .sink(counter))
        let inputs = [2, 4, 6, 7, 8, 10]
        await #expect {
            _ = try await front.map(EvenOnlyTask.self, inputs)
        } throws: { error in
            let error = error as? BackendError
            return error?.code == .taskFailed && error?.taskIndex == 3 && error?.taskError?.message == "odd input 7"
        }
        #expect(counter.counts.ended == inputs.count, "finished + failed + skipped = items: \(counter.counts)")
        #expect(counter.counts.failed == 1)
        guard !isProcesses(backend) else {
            #expect(testWorkersAlive().isEmpty, "a call's worker processes end with it")
            return
        }
        let ran = RunCount()
        await #expect(throws: BackendError.self) {
            try await Parallel(jobs: 2, backend: backend).map(Array(0..<1000)) { (n: Int) throws -> Int in
                ran.value.add(1, ordering: .relaxed)
                if n == 10 { throw Refused() }
                return n
            }
        }
        let afterReturn = ran.value.load(ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(50))
        let later = ran.value.load(ordering: .relaxed)
        #expect(later == afterReturn, "an item ran after map returned")
        #expect(afterReturn < 1000, "items not started when the error came are skipped")
    }

    @Test("a stream counts progress in items, also when its length is not known", arguments: inProcessBackends)
    func streamProgress(backend: Parallel.Backend) async throws {
        let counter = ProgressCounter()
        let unknownLength = sequence(first: 1) { $0 < 50 ? $0 + 1 : nil }
        var sum = 0
        for try await value in Parallel(jobs: 2, backend: backend, progress: .sink(counter)).stream(unknownLength, { $0 }) {
            sum += value
        }
        #expect(sum == 1275)
        #expect(counter.counts.total == nil)
        #expect(counter.counts.finished == 50)

        let known = ProgressCounter()
        let front = Parallel(jobs: 2, backend: backend, progress: .sink(known))
        for try await _ in front.stream(Array(0..<100), maxBuffered: 2, { $0 }) { break }
        #expect(known.counts.total == 100)
        #expect(known.counts.ended == 100, "left early: the rest are skipped: \(known.counts)")
    }

    @Test("a stream runs at most jobs items at once, whatever maxBuffered holds", arguments: [Parallel.Backend.threads, .threadPool])
    func streamConcurrency(backend: Parallel.Backend) async throws {
        let running = RunCount()
        let most = RunCount()
        var taken = 0
        for try await _ in Parallel(jobs: 2, backend: backend).streamUnordered(Array(0..<40), maxBuffered: 16, { n in
            let now = running.value.add(1, ordering: .relaxed).newValue
            var seen = most.value.load(ordering: .relaxed)
            while now > seen, !most.value.compareExchange(expected: seen, desired: now, ordering: .relaxed).exchanged {
                seen = most.value.load(ordering: .relaxed)
            }
            usleep(2_000)
            running.value.subtract(1, ordering: .relaxed)
            return n
        }) {
            taken += 1
        }
        #expect(taken == 40)
        let peak = most.value.load(ordering: .relaxed)
        #expect(peak <= 2, "\(peak) items ran at once with jobs: 2")
    }

    @Test("a stream's counts add up as soon as it throws, before its iterator is released", arguments: everyBackend)
    func streamErrorCounts(backend: Parallel.Backend) async throws {
        let counter = ProgressCounter()
        var iterator = Parallel(jobs: 2, backend: backend, chunking: .fixed(1), progress: .sink(counter))
            .stream(EvenOnlyTask.self, [2, 4, 6, 7, 8, 10], maxBuffered: 2).makeAsyncIterator()
        var values: [Int] = []
        await #expect(throws: BackendError.self) {
            while let value = try await iterator.next() { values.append(value) }
        }
        #expect(values == [1, 2, 3])
        #expect(counter.counts.total == 6)
        #expect(counter.counts.failed == 1)
        #expect(counter.counts.ended == 6, "finished + failed + skipped = 6 already: \(counter.counts)")
        #expect(try await iterator.next() == nil, "an ended stream stays ended")
    }

    @Test("cancelling a threads map skips what did not run: nothing counts as failed")
    func cancelledThreadsMap() async throws {
        let counter = ProgressCounter()
        let call = Task {
            try await Parallel(jobs: 2, backend: .threads, chunking: .fixed(1), progress: .sink(counter)).map(Array(0..<60)) {
                usleep(20_000)
                return $0
            }
        }
        OSThread.start(name: "pk-canceller", joinable: false) {
            usleep(100_000)
            call.cancel()
        }
        let result = await call.result
        #expect(throws: BackendError.cancelled) { try result.get() }
        let counts = counter.counts
        #expect(counts.failed == 0, "\(counts)")
        #expect(counts.skipped > 0 && counts.ended == 60, "\(counts)")
    }

    @Test("a rejected stream counts nothing: nothing ran")
    func rejectedStreamCountsNothing() async throws {
        let counter = ProgressCounter()
        let stream = Parallel(backend: .processes(worker: testWorker), progress: .sink(counter)).stream([1, 2]) { $0 }
        await #expect(throws: BackendError.self) {
            for try await _ in stream {}
        }
        #expect(counter.counts == ProgressCounter.Counts())
    }

    @Test("jobs: 1 is a plain loop in the caller, in order, that still reports — even on processes")
    func oneJobIsALoop() async throws {
        let order = Mutex<[Int]>([])
        let counter = ProgressCounter()
        let outputs = try await Parallel(jobs: 1, backend: .threads, progress: .sink(counter)).map(0..<20) { n in
            order.withLock { $0.append(n) }
            return n
        }
        #expect(outputs == Array(0..<20))
        #expect(order.withLock { $0 } == Array(0..<20))
        #expect(counter.counts.finished == 20)
        let pids = try await Parallel(jobs: 1, backend: .processes(worker: testWorker)).map(PIDTask.self, [0, 1])
        #expect(pids == [getpid(), getpid()], "no worker process was started")
    }
}

/// This process's children that run the test worker executable, alive now: the workers a call
/// may leave behind (other suites, running at the same time, start other children).
func testWorkersAlive() -> Set<Int32> {
    childProcesses().intersection(processes(withCommandLineContaining: "ParallelKitTestWorker"))
}

/// How many times a closure ran.
final class RunCount: Sendable {
    let value = Atomic(0)
}

/// An error a closure throws on purpose.
struct Refused: Error {}

private func isProcesses(_ backend: Parallel.Backend) -> Bool {
    if case .processes = backend.kind { return true }
    return false
}
