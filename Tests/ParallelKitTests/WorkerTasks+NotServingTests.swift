import Foundation
import ParallelKitTestSupport
import ParallelKitTestTasks
import Testing

@_spi(Backend) @testable import ParallelKit
import ParallelKitSystem

/// The forgetful worker executable: a program without `WorkerTasks.serveIfWorker`.
private func forgetfulWorkerPath() -> String { siblingExecutable("ParallelKitForgetfulWorker") }

/// A fresh file for the forgetful worker's pids, one line per copy that started.
private func countFile() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("pk-forgetful-\(UUID())").path
}

/// The pids listed in `path` (none when it does not exist).
private func startedCopies(_ path: String) -> [Int32] {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int32($0) }
}

/// Whether every pid is gone within a generous 10 s.
private func allGone(_ pids: [Int32]) async -> Bool {
    await eventually(within: .seconds(10)) { pids.allSatisfy(processIsGone) }
}

@Suite("The runaway guard: a worker that does not serve stops, and says what to add")
struct WorkerNotServingTests {
    @Test("a worker executable without serveIfWorker: one copy, a typed error naming the fix, no process left")
    func forgottenServeIfWorker() async throws {
        WorkerTasks.register(allTestTasks)
        let file = countFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let error = await #expect(throws: BackendError.self) {
            _ = try await ProcessPool(
                workers: 1, executable: forgetfulWorkerPath(), arguments: [file], handshakeTimeout: .seconds(60),
                accepting: .anyBuild)
        }
        // `.workerNotServing`, not the 60 s handshake timeout's `.handshakeRefused`: the guard
        // ended it. (No wall-clock bound here: in a full run this test can resume minutes late.)
        #expect(error?.code == .workerNotServing)
        #expect(error?.status == .exited(WorkerTasks.notServingStatus))
        let detail = error?.detail ?? ""
        #expect(detail.contains("WorkerTasks.serveIfWorker(") && detail.contains("SquareTask.self"), "\(detail)")
        // Without the guard the worker would start two copies, each of them two more…
        let copies = startedCopies(file)
        #expect(copies.count == 1, "copies started: \(copies)")
        #expect(await allGone(copies))
    }

    @Test("the same through a WorkerProcess started by the forgetful worker")
    func forgottenServeIfWorkerBeforeWorkerProcess() async throws {
        WorkerTasks.register(allTestTasks)
        let file = countFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let error = await #expect(throws: BackendError.self) {
            _ = try await ProcessPool(
                workers: 1, executable: forgetfulWorkerPath(), arguments: [file, "process"], accepting: .anyBuild)
        }
        #expect(error?.code == .workerNotServing)
        let copies = startedCopies(file)
        #expect(copies.count == 1, "copies started: \(copies)")
        #expect(await allGone(copies))
    }

    @Test("the worker's own message on stderr names serveIfWorker and the parent's tasks; status 78")
    func messageOnStandardError() async throws {
        let file = countFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        // Run it as a pool would, by hand: with the worker marker (and the parent's task names)
        // in its environment. `sh` drops the `parallelkit` path `runCLI` appends.
        let result = try await runCLI(
            [], prefix: ["/bin/sh", "-c", "exec \"$0\" \"$1\"", forgetfulWorkerPath(), file],
            environment: [WorkerTasks.socketVariable: "3", WorkerTasks.tasksVariable: "SquareTask,SleepTask"])
        #expect(result.status == WorkerTasks.notServingStatus)
        #expect(result.error.contains("WorkerTasks.serveIfWorker(SquareTask.self, SleepTask.self)"), "\(result.error)")
        #expect(result.error.contains("ProcessPool or WorkerProcess"))
        #expect(result.error.split(separator: "\n").count == 1, "one message: \(result.error)")
        #expect(startedCopies(file).count == 1)
    }

    @Test("a task the worker does not register: a typed error naming it and what to add, before any batch")
    func missingTask() async throws {
        let pool = try await testPool(workers: 1)
        let workers = pool.workerPIDs
        let error = await #expect(throws: BackendError.self) {
            _ = try await pool.map(UnregisteredTask.self, [1, 2, 3])
        }
        #expect(error?.code == .taskNotRegistered)
        let detail = error?.detail ?? ""
        #expect(detail.contains("UnregisteredTask") && detail.contains("serveIfWorker(..., UnregisteredTask.self)"), "\(detail)")
        // The worker was sent nothing and serves on.
        #expect(try await pool.map(SquareTask.self, [3]) == [9])
        #expect(pool.workerPIDs == workers)
        pool.close()
        await pool.join()
        #expect(await allGone(workers))
    }

    @Test("a WorkerProcess of a task its executable does not register: the same typed error, the process gone")
    func missingTaskInWorkerProcess() async throws {
        WorkerTasks.register(allTestTasks)
        let process = WorkerProcess(UnregisteredTask.self, 1, executable: testWorkerPath(), accepting: testWorkerBuild())
        process.start()
        let error = await #expect(throws: BackendError.self) { _ = try await process.join() }
        #expect(error?.code == .taskNotRegistered)
        #expect(error?.detail?.contains("UnregisteredTask.self") == true)
        #expect(process.exitStatus != nil)
    }

    @Test("a pool started on purpose from inside a task keeps working, and its workers are gone after")
    func nestedPool() async throws {
        let pool = try await testPool(workers: 1)
        let output = try await pool.apply(NestedPoolTask.self, 5)
        #expect(output.sum == 0 + 1 + 4 + 9 + 16)
        #expect(output.workerPIDs.count == 1)
        pool.close()
        await pool.join()
        #expect(await allGone(output.workerPIDs))
    }
}
