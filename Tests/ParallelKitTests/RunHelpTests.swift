import Testing

@testable import ParallelKitCLI

/// The words of `text`, in order, whatever the line breaks.
private func words(_ text: String) -> [Substring] { text.split(whereSeparator: { $0 == " " || $0 == "\n" }) }

@Suite("parallelkit run --help")
struct RunHelpTests {
    @Test(
        "--help, -h, a bundled -kh, a prefix --hel and parallelkit help run print the help and exit 0",
        arguments: [
            ["run", "--help"], ["run", "-h"], ["run", "-kh"], ["run", "--hel"],
            ["run", "-j2", "--help", "echo", ":::", "a"],
            ["help", "run"],
        ])
    func prints(arguments: [String]) async throws {
        let run = try await runCLI(arguments, environment: ["COLUMNS": "80"])
        #expect(run.status == 0, "stderr: \(run.error)")
        #expect(run.error.isEmpty)
        #expect(run.output.hasPrefix("Usage:\n"))
        #expect(run.output.contains("  " + RunHelp.usage + "\n"))
        #expect(run.output == RunHelp.text(width: 80))
    }

    @Test("the help is wrapped to COLUMNS at word boundaries", arguments: [40, 60, 80, 100, 132])
    func wrapped(width: Int) async throws {
        let run = try await runCLI(["run", "--help"], environment: ["COLUMNS": "\(width)"])
        #expect(run.status == 0)
        let lines = run.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count > 40)
        for line in lines { #expect(line.count <= width, "\(line.count) > \(width): '\(line)'") }
        // A word split across lines would be two words.
        let unwrapped = try await runCLI(["run", "--help"], environment: ["COLUMNS": "10000"])
        #expect(words(run.output) == words(unwrapped.output))
    }

    @Test("the help names every option the parser takes")
    func everyOption() {
        let help = RunHelp.text(width: 10_000)
        for option in [
            "--jobs", "-k", "--ungroup", "--group", "--line-buffer", "--tag", "--tagstring", "--quote", "--null", "-d",
            "--arg-file", "--colsep", "--header", "--max-args", "-N", "--replace", "--halt", "--timeout", "--retries",
            "--retry-delay", "--termseq", "--joblog", "--resume", "--resume-failed", "--retry-failed", "--results",
            "--dry-run", "--verbose", "-v", "--bar", "--eta", "--progress", "--total-jobs", "--no-run-if-empty",
            "--pipe", "--pipepart", "--block", "--recend", "--recstart", "--shell-quote", "--trim", "--tmpdir",
            "--arg-sep", "--arg-file-sep", "--link", "--will-cite", "--help", "--version",
        ] {
            #expect(words(help).contains { $0.trimmingPrefix("(").hasPrefix(option) }, "\(option) is not in the help")
        }
    }

    @Test("--help after the command is the command's argument, as in GNU parallel")
    func afterTheCommand() async throws {
        let run = try await runCLI(["run", "echo", "--help", ":::", "x"])
        #expect(run.status == 0)
        #expect(run.output == "--help x\n")
    }

    @Test("an unknown option still fails with status 255 and one line")
    func unknownOption() async throws {
        let run = try await runCLI(["run", "--no-such-option", "true", ":::", "1"])
        #expect(run.status == 255)
        #expect(run.output.isEmpty)
        #expect(run.error == "parallelkit run: unknown option: --no-such-option\n")
    }
}
