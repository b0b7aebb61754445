import ParallelKitTestSupport
import ParallelKitTestTasks
import Testing

@_spi(Backend) @testable import ParallelKit

/// Whether every pid is gone within a generous 10 s.
private func allGone(_ pids: [Int32]) async -> Bool {
    await eventually(within: .seconds(10)) { pids.allSatisfy(processIsGone) }
}

@Suite("Task discovery: a worker finds a task its serveIfWorker does not list, by its type")
struct WorkerDiscoveryTests {
    @Test("in this process: a task type by its mangled name, registered once found; wrong names are nil")
    func discoverInProcess() throws {
        let mangled = try #require(_mangledTypeName(UnlistedCubeTask.self))
        #expect(WorkerTasks.discover(task: UnlistedCubeTask.name, type: mangled) == UnlistedCubeTask.signature)
        #expect(WorkerTasks.signatures[UnlistedCubeTask.name] == UnlistedCubeTask.signature)
        // The name must be the type's task name: a parent cannot run one type under another's name.
        let renamed = try #require(_mangledTypeName(UnlistedRenamedTask.self))
        #expect(WorkerTasks.discover(task: "UnlistedRenamedTask", type: renamed) == nil)
        #expect(WorkerTasks.discover(task: "renamed-negate", type: renamed) == UnlistedRenamedTask.signature)
        // A type that is not a task, a name that is no type, and none at all.
        #expect(WorkerTasks.discover(task: "Int", type: try #require(_mangledTypeName(Int.self))) == nil)
        #expect(WorkerTasks.discover(task: "Nothing", type: "not a mangled name") == nil)
        #expect(WorkerTasks.discover(task: "Nothing", type: "") == nil)
    }

    @Test("resolve and resolved frames round-trip; trailing bytes are refused")
    func resolveFrames() throws {
        for message in [WireMessage.resolve(task: "t", type: "1t4CubeO"), .resolved(task: "t", signature: ""),
                        .resolved(task: "Cube", signature: "Cube(Swift.Int) -> Swift.Int")] {
            #expect(try WireMessage(frame: message.encoded()) == message)
        }
        let padded = try WireMessage.resolve(task: "t", type: "x").encoded() + [0]
        #expect(throws: DecodingError.self) { try WireMessage(frame: padded) }
    }

    @Test("a pool maps an unlisted task on every worker, through both paths, and its workers serve on")
    func unlistedInPool() async throws {
        let pool = try await testPool(workers: 2)
        let workers = pool.workerPIDs
        // The calling-thread path (one small batch per worker), then the queued one (many batches).
        #expect(try await pool.map(UnlistedCubeTask.self, [1, 2]) == [1, 8])
        let inputs = Array(0..<2_000)
        #expect(try await pool.map(UnlistedCubeTask.self, inputs, chunking: .fixed(7)) == inputs.map { $0 * $0 * $0 })
        #expect(try await pool.apply(UnlistedRenamedTask.self, 5) == -5)
        #expect(try await pool.map(SquareTask.self, [3]) == [9])
        #expect(pool.workerPIDs == workers)
        pool.close()
        await pool.join()
        #expect(await allGone(workers))
    }

    @Test("a WorkerProcess runs an unlisted task")
    func unlistedInWorkerProcess() async throws {
        let process = WorkerProcess(UnlistedCubeTask.self, 4, executable: testWorkerPath(), accepting: testWorkerBuild())
        process.start()
        #expect(try await process.join() == 64)
        #expect(process.exitStatus == .exited(0))
    }

    @Test("an unlisted initializer runs: the pool's creation fails with its error")
    func unlistedInitializer() async throws {
        let error = await #expect(throws: BackendError.self) {
            _ = try await testPool(workers: 1, initializer: WorkerInitializer(UnlistedFailingInitializer.self, 0))
        }
        #expect(error?.code == .initializerFailed)
        #expect(error?.taskError?.message == "the unlisted initializer ran and refused")
    }

    @Test("a fileprivate task cannot be found: .taskNotRegistered in the parent, naming it and the fix")
    func hiddenTask() async throws {
        let pool = try await testPool(workers: 1)
        let workers = pool.workerPIDs
        let error = await #expect(throws: BackendError.self) { _ = try await mapHiddenTask([1, 2], in: pool) }
        #expect(error?.code == .taskNotRegistered)
        let detail = error?.detail ?? ""
        #expect(detail.contains("serveIfWorker(..., \(hiddenTaskName).self)") && detail.contains("fileprivate"), "\(detail)")
        #expect(try await pool.map(UnlistedCubeTask.self, [3]) == [27])
        #expect(pool.workerPIDs == workers)
        pool.close()
        await pool.join()
        #expect(await allGone(workers))
    }
}
