import ParallelKit
import ParallelKitSystem
import ParallelKitTestSupport
import Testing

// The recipe's tasks library: its tasks are internal, and named here; ParallelKitRecipeWorker serves them.
@testable import ParallelKitRecipeTasks

/// The recipe's worker, as a test names it.
private let recipeWorker = "ParallelKitRecipeWorker"

/// Whether every pid is gone and none of them is a child of this process (not even a zombie),
/// within a generous 10 s.
private func noneLeft(_ pids: [Int32]) async -> Bool {
    await eventually(within: .seconds(10)) {
        pids.allSatisfy(processIsGone) && childProcesses().isDisjoint(with: pids)
    }
}

// The suite is declared in TestSupport.swift, with the other suites that ProcessPoolSuites runs one at a time.
extension ProcessPoolSuites.WorkerExecutableTests {
    @Test("the recipe: a ProcessPool of the worker target maps its internal tasks; no process is left")
    func poolMap() async throws {
        let starts = Array(1...2_000)
        var workers: [Int32] = []
        let (steps, scaled) = try await withProcessPool(workers: 2, worker: .product(recipeWorker)) { pool in
            workers = pool.workerPIDs
            return (
                try await pool.map(CollatzSteps.self, starts),
                try await pool.apply(Scale.self, Scale.Input(values: [1, 2.5, -4], factor: 2))
            )
        }
        // The worker target's own code, run here, is the reference.
        #expect(steps == starts.map(CollatzSteps.run))
        #expect(steps[26] == 111)  // 27 takes 111 steps
        #expect(scaled == [2, 5, -8])
        #expect(workers.count == 2 && !workers.contains(getpid()))
        #expect(await noneLeft(workers))
    }

    @Test("the recipe: a WorkerProcess of the worker target runs one task; no process is left")
    func workerProcess() async throws {
        let process = WorkerProcess(CollatzSteps.self, 27, worker: try .product(recipeWorker))
        process.start()
        #expect(try await process.join() == 111)
        #expect(process.exitStatus == .exited(0))
        let pid = try #require(process.pid)
        #expect(pid != getpid())
        #expect(await noneLeft([pid]))
    }

    @Test("product finds the executable beside the test bundle and accepts the build it is now")
    func productBesideTheBundle() throws {
        let worker = try WorkerExecutable.product(recipeWorker)
        let bundle = try ExecutableFile.runningPath()
        #expect(bundle.hasSuffix(".xctest"), "\(bundle)")
        let directory = String(bundle[...(bundle.lastIndex(of: "/")!)])
        #expect(worker.path == directory + recipeWorker)
        #expect(worker.accepting == .build(try WorkerTasks.buildID(ofExecutable: worker.path)))
        #expect(try WorkerExecutable(path: worker.path) == worker)
    }

    @Test("a product that is not built there: .executableNotFound saying what to add to Package.swift")
    func missingProduct() async throws {
        let error = #expect(throws: BackendError.self) { _ = try WorkerExecutable.product("NoSuchWorker") }
        #expect(error?.code == .executableNotFound)
        let message = error.map(String.init(describing:)) ?? ""
        #expect(message.contains("no executable NoSuchWorker beside the test bundle /"), "\(message)")
        let declaration = #"`.executableTarget(name: "NoSuchWorker", dependencies: [ParallelKit])`"#
        #expect(message.contains(declaration), "\(message)")
        #expect(message.contains("`WorkerTasks.serveIfWorker(...)`"), "\(message)")
        #expect(message.contains(#"add "NoSuchWorker" to the `dependencies:` of the `.testTarget`"#), "\(message)")
        #expect(message == error?.detail)
        // What is there but is no executable file is not taken either: the bundle's directory
        // holds `description.json` and directories such as `ParallelKit.build`.
        let bundle = try ExecutableFile.runningPath()
        let directory = String(bundle[...(bundle.lastIndex(of: "/")!)])
        for name in ["description.json", "ParallelKit.build"] {
            #expect(access(directory + name, F_OK) == 0, "\(directory + name) is there")
            #expect(throws: BackendError.executableNotFound(product: name, beside: bundle)) {
                _ = try WorkerExecutable.product(name)
            }
        }
        // The pool's one line throws the same, before any worker is started.
        let expected = BackendError.executableNotFound(product: "NoSuchWorker", beside: bundle)
        await #expect(throws: expected) {
            _ = try await ProcessPool(workers: 1, worker: .product("NoSuchWorker"))
        }
    }

    @Test("outside a test bundle the message says to build the product with the program")
    func missingProductOutsideTests() {
        let error = BackendError.executableNotFound(product: "Resizer", beside: "/opt/tool/bin/tool")
        #expect(error.code == .executableNotFound)
        #expect(error.description.contains("no executable Resizer beside /opt/tool/bin/tool"))
        #expect(error.description.contains("`swift build --product Resizer`"))
    }

    @Test("a worker executable is accepted only as the build it names")
    func otherBuildRefused() async throws {
        let real = try WorkerExecutable.product(recipeWorker)
        let error = await #expect(throws: BackendError.self) {
            let stale = WorkerExecutable(path: real.path, accepting: .build("0badb1d"))
            _ = try await ProcessPool(workers: 1, worker: stale)
        }
        #expect(error?.code == .handshakeRefused)
        #expect(error?.detail?.contains("0badb1d") == true, "\(String(describing: error))")
    }
}
