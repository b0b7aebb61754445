import Foundation
import ParallelKitTestSupport
import Testing

/// One invocation from `Fixtures/run-conformance.txt`, run through GNU parallel and through
/// `parallelkit run`.
struct ConformanceCase: CustomTestStringConvertible, Sendable {
    var name: String
    var snippet: String
    var testDescription: String { name }

    static let all: [ConformanceCase] = {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/run-conformance.txt")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let separator = line.range(of: " | ") else { return nil }
            return ConformanceCase(
                name: String(line[..<separator.lowerBound]), snippet: String(line[separator.upperBound...]))
        }
    }()
}

/// What a snippet printed on standard output, and its exit status.
struct SnippetResult: Equatable {
    var output: Data
    var status: Int32
}

/// Runs `snippet` under `/bin/sh` in a fresh directory, with `PAR` a shell function that runs
/// `runner`, standard input from /dev/null, and `PARALLEL_SHELL=/bin/sh` (GNU otherwise picks the
/// invoking shell; `parallelkit run` uses /bin/sh). Waits for it off the cooperative pool.
func runSnippet(_ snippet: String, runner: String) async throws -> SnippetResult {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pk-conf-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "PAR() { \(runner) \"$@\"; }\n\(snippet)"]
    process.currentDirectoryURL = directory
    var environment = ProcessInfo.processInfo.environment
    environment["PARALLEL_SHELL"] = "/bin/sh"
    environment.removeValue(forKey: "PARALLELKIT_WORKERS")
    environment.removeValue(forKey: "PARALLEL")
    process.environment = environment
    let outputURL = directory.appendingPathComponent(".stdout")
    _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
    let output = try FileHandle(forWritingTo: outputURL)
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    await offCooperativePool { process.waitUntilExit() }
    try output.close()
    return SnippetResult(output: try Data(contentsOf: outputURL), status: process.terminationStatus)
}

/// Whether GNU parallel (Debian's `parallel`) is installed; `.ci/run` installs it.
let gnuParallelPath: String? = ["/usr/bin/parallel", "/usr/local/bin/parallel"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

@Suite("parallelkit run conforms to GNU parallel")
struct RunConformanceTests {
    @Test("the fixture holds at least 60 cases covering every area")
    func fixture() {
        #expect(ConformanceCase.all.count >= 60)
        let text = ConformanceCase.all.map(\.snippet).joined(separator: "\n")
        for feature in [
            ":::+", "::::", "-0", "-d ", "--colsep", "--header", "-N", "-n ", "{.}", "{/}", "{//}", "{/.}", "{#}",
            "{%}", "-q", "-j", "--tag", "--tagstring", "--lb", "-u ", "-k", "--halt", "--timeout", "--retries",
            "--joblog", "--resume", "--resume-failed", "--retry-failed", "--results", "--dry-run", "--pipe",
            "--pipepart", "--block", "--recend", "--recstart",
        ] {
            #expect(text.contains(feature), "no conformance case uses \(feature)")
        }
    }

    @Test("same standard output and exit status as GNU parallel", arguments: ConformanceCase.all)
    func sameAsGNU(_ conformance: ConformanceCase) async throws {
        guard let gnu = gnuParallelPath else {
            Issue.record("GNU parallel is not installed: apt-get install parallel (.ci/run does)")
            return
        }
        let expected = try await runSnippet(conformance.snippet, runner: "\(gnu) --will-cite")
        let actual = try await runSnippet(conformance.snippet, runner: "'\(cliPath())' run")
        #expect(
            actual == expected,
            """
            \(conformance.snippet)
            GNU (status \(expected.status)):
            \(String(decoding: expected.output, as: UTF8.self))
            parallelkit (status \(actual.status)):
            \(String(decoding: actual.output, as: UTF8.self))
            """)
    }
}
