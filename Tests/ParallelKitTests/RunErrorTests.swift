import Foundation
import ParallelKitRun
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `RunError`: a program that cannot be started is a typed error naming it, for argument
/// vectors and templates alike; a job that runs and fails is a result.
@Suite("RunError")
struct RunErrorTests {
    @Test("A missing program is .programNotFound, naming it")
    func missingProgram() async throws {
        let runner = CommandRunner(RunConfiguration(workers: .count(2)))
        let error = await #expect(throws: RunError.self) {
            try await runner.map(arguments: [["true"], ["pk-no-such-program-7f3a", "x"]])
        }
        #expect(error?.code == .programNotFound)
        #expect(error?.program == "pk-no-such-program-7f3a")
        #expect(error?.sequence == 2)
        let fromTemplate = await #expect(throws: RunError.self) {
            try await runner.map(template: "pk-no-such-program-7f3a {}", values: ["a"])
        }
        #expect(fromTemplate?.code == .programNotFound)
        #expect(fromTemplate?.program == "pk-no-such-program-7f3a")
        let byPath = await #expect(throws: RunError.self) {
            try await runner.map(arguments: [["/nonexistent/pk-tool"]])
        }
        #expect(byPath?.code == .programNotFound)
        #expect(byPath?.program == "/nonexistent/pk-tool")
    }

    @Test("A file that is not executable is .notExecutable, naming it")
    func notExecutable() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("script.sh").path
            _ = FileManager.default.createFile(atPath: path, contents: Data("echo hi\n".utf8), attributes: [.posixPermissions: 0o644])
            let runner = CommandRunner(RunConfiguration(workers: .count(1)))
            let error = await #expect(throws: RunError.self) { try await runner.map(arguments: [[path]]) }
            #expect(error?.code == .notExecutable)
            #expect(error?.program == path)
            let directoryError = await #expect(throws: RunError.self) { try await runner.map(arguments: [[directory.path]]) }
            #expect(directoryError?.code == .notExecutable)
        }
    }

    @Test("A job that exits non-zero or is killed is a result, not an error")
    func failureIsAResult() async throws {
        let results = try await CommandRunner().map(arguments: [["sh", "-c", "exit 3"], ["sh", "-c", "kill -KILL $$"]])
        #expect(results[0].status == .exited(3))
        #expect(results[1].status == .signaled(SIGKILL))
    }
}
