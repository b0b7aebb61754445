import Foundation
import ParallelKitRun
import ParallelKitTestSupport
import Testing

/// The joblog is one format for the CLI and the library: each resumes from the other's log.
@Suite("JobLog", .serialized)
struct JobLogTests {
    @Test("The library resumes from a joblog written by parallelkit run")
    func libraryResumesCLI() async throws {
        try await withTemporaryDirectory { directory in
            let joblog = directory.appendingPathComponent("jobs.log").path
            let cli = try runCLI(["run", "-j2", "--joblog", joblog, "echo {}", ":::", "a", "b", "c"])
            #expect(cli.status == 0)
            var configuration = RunConfiguration(workers: .count(2))
            configuration.joblog = joblog
            configuration.resume = .skipLogged
            let results = try await CommandRunner(configuration).map(template: "echo {}", values: ["a", "b", "c", "d", "e"])
            #expect(results.map(\.sequence) == [4, 5])
            #expect(results.map(\.text) == ["d\n", "e\n"])
            #expect(Set(joblogEntries(joblog).map(\.sequence)) == Set(1...5))
        }
    }

    @Test("parallelkit run --resume and --resume-failed read a joblog written by the library")
    func cliResumesLibrary() async throws {
        try await withTemporaryDirectory { directory in
            let joblog = directory.appendingPathComponent("jobs.log").path
            var configuration = RunConfiguration(workers: .count(2))
            configuration.joblog = joblog
            let results = try await CommandRunner(configuration).map(template: "sh -c 'exit {}'", values: ["0", "1", "0"])
            #expect(results.map(\.status) == [.exited(0), .exited(1), .exited(0)])
            let entries = joblogEntries(joblog).sorted { $0.sequence < $1.sequence }
            #expect(entries.map(\.sequence) == [1, 2, 3])
            #expect(entries.map(\.exit) == [0, 1, 0])
            let resumed = try runCLI(["run", "--resume", "--joblog", joblog, "echo {}", ":::", "x", "y", "z", "w"])
            #expect(resumed.output == "w\n")
            let failed = try runCLI(["run", "-k", "--resume-failed", "--joblog", joblog, "echo {}", ":::", "x", "y", "z", "w"])
            #expect(failed.output == "y\n")
        }
    }

    /// Runs `parallelkit` with `arguments`; its standard output and exit status.
    private func runCLI(_ arguments: [String]) throws -> (output: String, status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: cliPath())
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), process.terminationStatus)
    }
}
