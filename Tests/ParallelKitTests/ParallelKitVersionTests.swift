import Testing

@testable import ParallelKitCLI

@Suite("parallelkit --version")
struct ParallelKitVersionTests {
    @Test(
        "parallelkit --version, run --version, run -V and a bundled run -kV print the version and exit 0",
        arguments: [
            ["--version"], ["run", "--version"], ["run", "-V"], ["run", "-kV"],
            ["run", "--version", "echo", ":::", "a"],
        ])
    func prints(arguments: [String]) async throws {
        let run = try await runCLI(arguments)
        #expect(run.status == 0, "stderr: \(run.error)")
        #expect(run.error.isEmpty)
        #expect(run.output == ParallelKitVersion.text + "\n")
    }

    @Test("the first line is the name and a MAJOR.MINOR.PATCH number; no line reaches 80 columns")
    func shape() {
        let lines = ParallelKitVersion.text.split(separator: "\n")
        #expect(lines.first == "parallelkit \(ParallelKitVersion.number)")
        let parts = ParallelKitVersion.number.split(separator: ".")
        #expect(parts.count == 3 && parts.allSatisfy { Int($0) != nil })
        #expect(lines.allSatisfy { $0.count < 80 })
    }

    @Test("--ver is ambiguous between --verbose and --version, as in GNU parallel")
    func ambiguousPrefix() async throws {
        let run = try await runCLI(["run", "--ver", "true", ":::", "1"])
        #expect(run.status == 255)
        #expect(run.error == "parallelkit run: option --ver is ambiguous: --verbose, --version\n")
    }
}
