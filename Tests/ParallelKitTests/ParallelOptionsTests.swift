import ParallelKitTestSupport
import ParallelKitTestTasks
import Synchronization
import Testing

@testable import ParallelKit

extension ProcessPoolSuites.ParallelFrontDoorTests {
    @Test("a timeout fails only its task, in every result shape, and is rejected where it cannot stop a task")
    func timeouts() async throws {
        let front = Parallel(jobs: 2, backend: .processes(worker: testWorker), timeout: .milliseconds(300))
        let counter = ProgressCounter()
        await #expect {
            _ = try await Parallel(
                jobs: 2, backend: .processes(worker: testWorker), timeout: .milliseconds(300), progress: .sink(counter)
            ).map(SleepTask.self, [10, 5000, 10, 10])
        } throws: { error in
            let error = error as? BackendError
            return error?.code == .timedOut && error?.tasks == 1..<2
        }
        #expect(counter.counts.failed == 1, "only the task that ran too long failed: \(counter.counts)")
        #expect(counter.counts.ended == 4)
        var delivered: [Int] = []
        await #expect {
            for try await (index, _) in front.streamUnordered(SleepTask.self, [10, 5000, 10]) { delivered.append(index) }
        } throws: { error in
            (error as? BackendError)?.code == .timedOut && (error as? BackendError)?.taskIndex == 1
        }
        #expect(delivered.sorted() == [0, 2], "the others came before the timeout")
        #expect(testWorkersAlive().isEmpty)

        for backend in [Parallel.Backend.serial, .threads, .threadPool] {
            await #expect {
                _ = try await Parallel(backend: backend, timeout: .seconds(1)).map([1]) { $0 }
            } throws: { error in
                let error = error as? BackendError
                return error?.code == .unsupported && error?.detail?.contains("backend: .processes") == true
            }
        }
        let pool = try await testPool()
        defer { pool.terminate() }
        await #expect {
            _ = try await Parallel(backend: .processes(pool), timeout: .seconds(1)).map(SquareTask.self, [1])
        } throws: { error in
            (error as? BackendError)?.detail?.contains("ProcessPool(taskTimeout:)") == true
        }
        #expect(try await Parallel(backend: .processes(pool)).map(SquareTask.self, [1, 2, 3]) == [1, 4, 9])
    }

    @Test("prefer and require choose the backend; contradictions are rejected before anything runs")
    func hints() async throws {
        #expect(isPlan(try Parallel(jobs: 2).plan(), "threads"))
        #expect(isPlan(try Parallel(jobs: 2, prefer: .processes).plan(), "processes"))
        #expect(isPlan(try Parallel(jobs: 2, prefer: .threads).plan(), "threads"))
        #expect(isPlan(try Parallel(jobs: 2, require: .sharedMemory).plan(), "threads"))
        #expect(isPlan(try Parallel(jobs: 2, backend: .threadPool, prefer: .processes).plan(), "threadPool"),
                "prefer is only a hint")
        #expect(isPlan(try Parallel(jobs: 1, backend: .processes).plan(), "serial"))
        #expect(throws: BackendError.self, "a closure on processes is rejected on any core count") {
            try Parallel(jobs: 1, backend: .processes).plan(closure: true)
        }
        #expect(isPlan(try Parallel(backend: .threadPool, prefer: .processes, require: .sharedMemory).plan(), "threadPool"),
                "prefer is ignored when a backend is named")
        #expect(isPlan(try Parallel(jobs: 1, backend: .processes, timeout: .seconds(1)).plan(), "processes"))
        #expect(throws: BackendError.self) { try Parallel(prefer: .processes, require: .sharedMemory).plan() }
        let ran = RanFlag()
        await #expect {
            _ = try await Parallel(backend: .processes(worker: testWorker), require: .sharedMemory).map(SquareTask.self, [1])
        } throws: { error in
            let error = error as? BackendError
            return error?.code == .conflictingOptions && error?.detail?.contains("require: .sharedMemory") == true
        }
        await #expect {
            _ = try await Parallel(backend: .processes(worker: testWorker)).map([1]) { (n: Int) -> Int in
                ran.value.store(true, ordering: .relaxed)
                return n
            }
        } throws: { error in
            let error = error as? BackendError
            return error?.code == .unsupported && error?.detail?.contains("@WorkerFunction") == true
        }
        let didRun = ran.value.load(ordering: .relaxed)
        #expect(!didRun)
        #expect(testWorkersAlive().isEmpty, "nothing was started for a rejected call")
    }

    @Test("jobs is joblib's n_jobs as Workers: .all, .allBut(n), a count; 0 or a negative count stops the program")
    func jobs() async throws {
        #expect(Parallel().jobs.count == Workers.all.count)
        #expect(Parallel(jobs: .allBut(1)).jobs.count == max(1, Workers.all.count - 1))
        #expect(Parallel(jobs: 3).jobs.count == 3)
        #expect(try await Parallel(jobs: 3).map(0..<6) { $0 * 2 } == [0, 2, 4, 6, 8, 10])
        let zero = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Parallel(jobs: 0)
        }
        let message = String(decoding: zero?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("Workers(0)"), "the message names the value: \(message)")
        await #expect(processExitsWith: .failure) {
            _ = Parallel(jobs: .count(-2))
        }
        await #expect(processExitsWith: .failure) {
            _ = Parallel(jobs: .allBut(-1))
        }
    }

    @Test("large plain-data inputs cross to processes shared or copied, with the same results and nothing left")
    func sharing() async throws {
        let inputs = Array(0..<300_000)  // 2.4 MB each way: over the 1 MiB threshold
        let shared = try await Parallel(jobs: 2, backend: .processes(worker: testWorker)).map(SquareTask.self, inputs)
        let copied = try await Parallel(jobs: 2, backend: .processes(worker: testWorker), sharing: .never)
            .map(SquareTask.self, inputs)
        #expect(shared == inputs.map { $0 * $0 })
        #expect(copied == shared)
        #expect(testWorkersAlive().isEmpty)
        #expect(Parallel().sharing == .automatic)
    }

    @Test("a registered backend is found by name; a missing one says how to link it")
    func namedBackends() async throws {
        await #expect {
            _ = try await Parallel(backend: .named("mpi")).map(SquareTask.self, [1])
        } throws: { error in
            let error = error as? BackendError
            return error?.code == .backendNotLinked && error?.detail?.contains("ParallelKitMPI") == true
                && error?.detail?.contains("MPIBackend.register()") == true
        }
        BackendRegistry.register("test-threads", capabilities: Parallel.inProcess) { jobs in ThreadsBackend(workers: jobs) }
        let front = Parallel(jobs: 2, backend: .named("test-threads"))
        #expect(try await front.map(SquareTask.self, [1, 2, 3]) == [1, 4, 9])
        #expect(try await front.map([1, 2, 3]) { $0 + 1 } == [2, 3, 4])
        var streamed: [Int] = []
        for try await value in front.stream(SquareTask.self, Array(0..<10), maxBuffered: 3) { streamed.append(value) }
        #expect(streamed == (0..<10).map { $0 * $0 })
        await #expect {
            for try await _ in front.stream([2, 4, 5, 6], maxBuffered: 2, { n throws -> Int in
                if n % 2 != 0 { throw Refused() }
                return n
            }) {}
        } throws: { error in
            (error as? BackendError)?.taskIndex == 2
        }
    }

    @Test("a stream's worker processes end with it, also when the loop is left early")
    func streamLeavesNoProcess() async throws {
        let front = Parallel(jobs: 2, backend: .processes(worker: testWorker))
        for try await value in front.stream(SquareTask.self, Array(0..<10_000), maxBuffered: 8) where value > 100 { break }
        try await Task.sleep(for: .milliseconds(100))
        var left = testWorkersAlive()
        for _ in 0..<50 where !left.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            left = testWorkersAlive()
        }
        #expect(left.isEmpty, "worker processes left: \(left)")
    }
}

/// Set by a closure that must not run.
private final class RanFlag: Sendable {
    let value = Atomic(false)
}

private func isPlan(_ plan: Parallel.Plan, _ name: String) -> Bool {
    switch plan {
    case .serial: return name == "serial"
    case .threads: return name == "threads"
    case .threadPool: return name == "threadPool"
    case .processes: return name == "processes"
    case .pool: return name == "pool"
    case .named: return name == "named"
    }
}
