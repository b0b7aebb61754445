import ParallelKitSystem
import ParallelKitTestSupport
import ParallelKitTestTasks
import Testing

@_spi(Backend) @testable import ParallelKit

/// A pool of one test worker started with `arguments` (the test worker's pretend-to-be hooks).
private func handshakePool(arguments: [String] = [], accepting: AcceptedBuild) async throws(BackendError) -> ProcessPool {
    WorkerTasks.register(allTestTasks)
    return try await ProcessPool(workers: 1, executable: testWorkerPath(), arguments: arguments, accepting: accepting)
}

/// Whether `error` is a handshake refusal whose text contains every one of `parts`.
private func isRefusal(_ error: any Error, naming parts: [String]) -> Bool {
    guard let error = error as? BackendError, error.code == .handshakeRefused, let detail = error.detail else { return false }
    return parts.allSatisfy { detail.contains($0) }
}

@Suite("WorkerHandshake")
struct WorkerHandshakeTests {
    private func hello(build: String, tasks: [String: String] = ["Square": "Square(Swift.Int) -> Swift.Int"]) -> WorkerHello {
        WorkerHello(protocolVersion: WorkerHello.currentProtocolVersion, buildID: build, pid: 42, tasks: tasks)
    }

    private func refusal(
        _ hello: WorkerHello, _ accepting: AcceptedBuild, own: String = "aa11", sameFile: Bool = false,
        tasks: [String: String] = ["Square": "Square(Swift.Int) -> Swift.Int"]
    ) -> String? {
        WorkerHandshake.refusal(of: hello, accepting: accepting, ownBuildID: own, runsThisExecutable: sameFile, tasks: tasks)
    }

    // MARK: Pure

    @Test("builds: .sameBuild takes this build only, .build(id) that one (any case), .anyBuild every one")
    func builds() throws {
        #expect(refusal(hello(build: "aa11"), .sameBuild) == nil)
        let other = try #require(refusal(hello(build: "bb22"), .sameBuild))
        #expect(other.contains("bb22") && other.contains("aa11") && other.contains("42"))
        #expect(refusal(hello(build: "bb22"), .build("BB22")) == nil)
        let named = try #require(refusal(hello(build: "cc33"), .build("bb22")))
        #expect(named.contains("cc33") && named.contains("bb22"))
        #expect(refusal(hello(build: "cc33"), .anyBuild) == nil)
    }

    @Test("no build ID to compare: refused, unless the worker runs this very file")
    func missingBuildIDs() {
        #expect(refusal(hello(build: ""), .sameBuild, own: "", sameFile: true) == nil)
        #expect(refusal(hello(build: ""), .sameBuild, own: "", sameFile: false)?.contains("no build ID") == true)
        #expect(refusal(hello(build: ""), .build("")) != nil)
        #expect(refusal(hello(build: ""), .anyBuild, own: "") == nil)
    }

    @Test("a task of the same name with other types is refused naming both signatures, whatever build is accepted")
    func signatures() throws {
        let theirs = hello(build: "aa11", tasks: ["Square": "Square(Swift.Double) -> Swift.Double", "Extra": "Extra(Swift.Int) -> Swift.Int"])
        let why = try #require(refusal(theirs, .anyBuild))
        #expect(why.contains("Square(Swift.Double) -> Swift.Double") && why.contains("Square(Swift.Int) -> Swift.Int"))
        // Tasks only one side registers are not a clash: the worker may serve more, and a missing
        // one is refused when a batch of it is sent.
        #expect(refusal(hello(build: "aa11", tasks: ["Extra": "Extra(Swift.Int) -> Swift.Int"]), .sameBuild) == nil)
    }

    @Test("another protocol is refused naming both versions")
    func protocols() throws {
        var old = hello(build: "aa11")
        old.protocolVersion = 1
        let why = try #require(refusal(old, .anyBuild))
        #expect(why.contains("protocol 1") && why.contains("\(WorkerHello.currentProtocolVersion)"))
    }

    // MARK: Real workers

    @Test("by default another build is refused at the handshake, naming both build IDs; no worker is left")
    func anotherBuildRefusedByDefault() async throws {
        let workerBuild = try WorkerTasks.buildID(ofExecutable: testWorkerPath())
        #expect(workerBuild != WorkerTasks.executableBuildID)
        await #expect {
            _ = try await handshakePool(accepting: .sameBuild)
        } throws: { error in
            isRefusal(error, naming: [workerBuild, WorkerTasks.executableBuildID])
        }
        await #expect {
            _ = try await ProcessPool(workers: 1, executable: testWorkerPath())  // the default
        } throws: { error in
            isRefusal(error, naming: [workerBuild, WorkerTasks.executableBuildID])
        }
        let process = WorkerProcess(SquareTask.self, 3, executable: testWorkerPath())
        process.start()
        await #expect {
            _ = try await process.join()
        } throws: { error in
            isRefusal(error, naming: [workerBuild])
        }
    }

    @Test("a worker reporting another build than the one named is refused naming both; .build and .anyBuild accept it")
    func namedBuilds() async throws {
        let workerBuild = try WorkerTasks.buildID(ofExecutable: testWorkerPath())
        let fake = ["--report-build", "0123456789abcdef"]
        await #expect {
            _ = try await handshakePool(arguments: fake, accepting: .build(workerBuild))
        } throws: { error in
            isRefusal(error, naming: ["0123456789abcdef", workerBuild])
        }
        let named = try await handshakePool(arguments: fake, accepting: .build("0123456789ABCDEF"))
        #expect(try await named.apply(SquareTask.self, 7) == 49)
        named.terminate()
        let any = try await handshakePool(arguments: fake, accepting: .anyBuild)
        #expect(try await any.apply(SquareTask.self, 7) == 49)
        any.terminate()
    }

    @Test("a worker registering a task of the same name with other types is refused naming both, even with .anyBuild")
    func impostorTask() async throws {
        await #expect {
            _ = try await handshakePool(arguments: ["--impostor-square"], accepting: .anyBuild)
        } throws: { error in
            isRefusal(error, naming: [SquareTask.signature, "SquareTask(Swift.Double) -> Swift.Double"])
        }
    }
}
