import ParallelKitSystem
import ParallelKitTestSupport
import ParallelKitTestTasks
import Testing

@_spi(Backend) @testable import ParallelKit

// The suite is declared in TestSupport.swift, with the other suites that ProcessPoolSuites runs one at a time.
extension ProcessPoolSuites.ProcessPoolTests {
    @Test("a worker that crashes fails only its tasks, naming pid and signal; a replacement takes over",
          arguments: [CrashMode.fatalError, .exitCode, .sigkill])
    func crashes(mode: CrashMode) async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        let before = pool.workerPIDs
        await #expect {
            _ = try await pool.map(CrashTask.self, [.value(1), .crash(mode)], chunking: .fixed(1))
        } throws: { error in
            guard let failure = error as? BackendError, failure.code == .workerCrashed, let pid = failure.pid, let exit = failure.status, let tasks = failure.tasks else { return false }
            let expectedExit: Bool
            switch mode {
            case .exitCode: expectedExit = exit == .exited(7)
            case .sigkill: expectedExit = exit == .signaled(SIGKILL)
            default: expectedExit = exit == .signaled(SIGILL) || exit == .signaled(SIGTRAP) || exit == .signaled(SIGABRT)
            }
            return before.contains(pid) && tasks == 1..<2 && expectedExit
        }
        #expect(try await pool.map(SquareTask.self, Array(0..<100)) == (0..<100).map { $0 * $0 })
    }

    @Test("plain-number batches give the serial outputs and a throwing input's index, small ones as raw bytes and large ones as arrays",
          arguments: [1, 7, 4_096, 4_097])
    func plainNumberBatches(size: Int) async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        let evens = Array(stride(from: 0, to: 20_000, by: 2))
        #expect(try await pool.map(EvenOnlyTask.self, evens, chunking: .fixed(size)) == evens.map { $0 / 2 })
        var inputs = evens
        inputs[5_001] = 3
        await #expect {
            _ = try await pool.map(EvenOnlyTask.self, inputs, chunking: .fixed(size))
        } throws: { error in
            guard let failure = error as? BackendError, failure.code == .taskFailed else { return false }
            return failure.tasks == 5_001..<5_002 && "\(failure)".contains("odd input 3")
        }
    }

    @Test("retries re-run the batches of a crashed worker")
    func retries() async throws {
        let pool = try await testPool(retries: 1)
        defer { pool.terminate() }
        // The first attempt of this batch crashes its worker; the pool retries it once, which
        // crashes again, so the call still fails — but with a crash, after two workers died.
        await #expect(throws: BackendError.self) {
            _ = try await pool.apply(CrashTask.self, .crash(.exitCode))
        }
        #expect(try await pool.apply(SquareTask.self, 3) == 9)
    }

    @Test("kill -9 of a random worker during a 100,000-task map: the call returns and the pool is usable")
    func killDuringMap() async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        for _ in 0..<10 {
            let inputs = Array(0..<100_000)
            let delay = Int.random(in: 1...20)
            let killer = Task {
                try? await Task.sleep(for: .milliseconds(delay))
                if let victim = pool.workerPIDs.randomElement() {
                    kill(victim, SIGKILL)
                    // kill returns before the process is dead; wait until it is (a zombie).
                    _ = await eventually { processIsGone(victim) }
                }
            }
            do {
                let squares = try await pool.map(SquareTask.self, inputs, chunking: .fixed(500))
                #expect(squares == inputs.map { $0 * $0 })
            } catch {
                guard error.code == .workerCrashed, error.status == .signaled(SIGKILL) else {
                    Issue.record("unexpected error \(error)")
                    break
                }
            }
            await killer.value
            #expect(try await pool.map(SquareTask.self, [1, 2, 3]) == [1, 4, 9])
        }
    }

    @Test("a worker killed while idle is replaced before its next batch, which succeeds")
    func idleWorkerDeath() async throws {
        let pool = try await testPool(workers: 1)
        defer { pool.terminate() }
        let victim = try #require(pool.workerPIDs.first)
        kill(victim, SIGKILL)
        _ = await eventually { processIsGone(victim) }
        #expect(try await pool.apply(SquareTask.self, 6) == 36)
        #expect(pool.workerPIDs != [victim])
    }

    @Test("the initializer runs in every worker; one that throws makes creation throw, with no worker left")
    func initializers() async throws {
        let pool = try await testPool(initializer: WorkerInitializer(InitializeTask.self, "ready"))
        #expect(try await pool.map(ReadInitializedTask.self, [0, 1, 2, 3], chunking: .fixed(1)) == ["ready", "ready", "ready", "ready"])
        pool.terminate()

        // In a process of its own: in a full run other suites start children of this process
        // meanwhile, and one of theirs would read as a worker left over.
        await #expect(processExitsWith: .success) {
            WorkerTasks.register(allTestTasks)
            let childrenBefore = childProcesses()
            do {
                _ = try await testPool(initializer: WorkerInitializer(InitializeTask.self, "fail"))
                exit(2)  // created, though the initializer throws
            } catch let error as BackendError where error.code == .initializerFailed && error.taskError?.typeName.hasSuffix("InitializerFailed") == true {
            } catch {
                exit(3)  // another error
            }
            exit(childProcesses().subtracting(childrenBefore).isEmpty ? 0 : 4)  // 4: a worker left
        }
    }

    @Test("maxTasksPerWorker replaces workers after that many batches")
    func recycling() async throws {
        let pool = try await testPool(workers: 1, maxTasksPerWorker: 2)
        defer { pool.terminate() }
        let pids = try await pool.map(PIDTask.self, Array(0..<6), chunking: .fixed(1))
        #expect(Set(pids).count == 3)
        #expect(pids[0] == pids[1] && pids[2] == pids[3] && pids[4] == pids[5])
    }

    @Test("close refuses new work, join waits for the rest, terminate stops now")
    func lifecycle() async throws {
        let pool = try await testPool()
        let pending = try pool.submitMap(SleepTask.self, [100, 100, 100], chunking: .fixed(1))
        pool.close()
        await #expect(throws: BackendError.closed) { _ = try await pool.apply(SquareTask.self, 1) }
        // submit and submitMap throw at once, as ThreadPool.submit does (Python raises too).
        #expect(throws: BackendError.closed) { try pool.submit(SquareTask.self, 1) }
        #expect(throws: BackendError.closed) { try pool.submitMap(SquareTask.self, [1, 2]) }
        await pool.join()
        #expect(try await pending.value == [100, 100, 100])
        #expect(pool.workerPIDs.isEmpty)

        let busy = try await testPool()
        let long = try busy.submitMap(SleepTask.self, [30_000, 30_000], chunking: .fixed(1))
        try await Task.sleep(for: .milliseconds(200))
        let start = ContinuousClock.now
        busy.terminate()
        await #expect(throws: FutureError<BackendError>.failed(.closed)) { _ = try await long.value }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test("no zombie, no leaked file descriptor after pools close")
    func noLeaks() async {
        await #expect(processExitsWith: .success) {
            WorkerTasks.register(allTestTasks)
            // One full cycle first: the runtime opens some descriptors lazily (on the first
            // suspension or timer), which would otherwise count as a leak.
            if let warmUp = try? await ProcessPool(workers: 2, executable: testWorkerPath(), accepting: testWorkerBuild()) {
                _ = try? await warmUp.map(SquareTask.self, Array(0..<1000))
                try? await Task.sleep(for: .milliseconds(1))
                warmUp.close()
                await warmUp.join()
            }
            let descriptors = openDescriptorCount()
            for _ in 0..<3 {
                guard let pool = try? await ProcessPool(workers: 2, executable: testWorkerPath(), accepting: testWorkerBuild()) else { exit(2) }
                _ = try? await pool.map(SquareTask.self, Array(0..<1000))
                _ = try? await pool.apply(CrashTask.self, .crash(.sigkill))
                pool.close()
                await pool.join()
            }
            do {
                let terminated = try? await ProcessPool(workers: 2, executable: testWorkerPath(), accepting: testWorkerBuild())
                terminated?.terminate()
            }
            // terminate() returns before its threads have let go of their sockets: wait, bounded.
            for _ in 0..<300 {
                if childProcesses().isEmpty && openDescriptorCount() == descriptors { exit(EXIT_SUCCESS) }
                usleep(10_000)
            }
            exit(childProcesses().isEmpty ? 4 : 3)
        }
    }
}
