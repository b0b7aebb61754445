import Foundation
import ParallelKitSystem
import ParallelKitTestSupport
import Testing

@testable import ParallelKitCLI
@testable import ParallelKitRun

private func bytes(_ words: [String]) -> [Bytes] { words.map { Array($0.utf8) } }

private func template(_ words: [String], quote: Bool = false, header: Bool = false) throws -> CommandTemplate {
    try CommandTemplate(words: bytes(words), quoteWords: quote, replaceString: Array("{}".utf8), header: header)
}

private func context(_ arguments: [String], repeatWords: Bool = false) -> CommandTemplate.Context {
    CommandTemplate.Context(
        arguments: bytes(arguments), sequence: 7, slot: 2, repeatWords: repeatWords, names: [Array("col".utf8): 1])
}

@Suite("parallelkit run: options, templates, quoting")
struct RunParsingTests {
    @Test("options end at the first word that is not one; sources follow the command")
    func optionsAndSources() throws {
        let options = try RunOptionParser.parse(bytes([
            "-kj2", "--tag", "--jobs=3", "--halt", "now,fail=1", "echo", "-n", ":::", "a", "b", ":::+", "1", "2",
            "::::", "f1", "f2",
        ]))
        #expect(options.keepOrder && options.tag)
        #expect(options.jobs == .count(3))
        #expect(options.halt == HaltPolicy(when: .now, why: .fail, threshold: .count(1)))
        #expect(options.command == bytes(["echo", "-n"]))
        #expect(options.sources.count == 4)
        #expect(options.sources[0] == .init(kind: .values(bytes(["a", "b"]))))
        #expect(options.sources[1] == .init(kind: .values(bytes(["1", "2"])), linkedToPrevious: true))
        #expect(options.sources[2] == .init(kind: .file(Array("f1".utf8))))
        #expect(options.sources[3] == .init(kind: .file(Array("f2".utf8))))
    }

    @Test("-j forms", arguments: [
        ("4", RunOptions.Jobs.count(4)), ("0", .unlimited), ("+2", .plus(2)), ("-1", .minus(1)), ("50%", .percent(50)),
    ])
    func jobsForms(_ text: String, _ expected: RunOptions.Jobs) throws {
        #expect(try RunOptionParser.parse(bytes(["-j", text, "true"])).jobs == expected)
        #expect(try RunOptionParser.parse(bytes(["-j" + text, "true"])).jobs == expected)
    }

    @Test("-j resolves against the cores: N, N%, +N, -N (at least 1)")
    func jobSlots() {
        #expect(RunMain.jobSlots(nil, cores: 4) == 4)
        #expect(RunMain.jobSlots(.count(3), cores: 4) == 3)
        #expect(RunMain.jobSlots(.percent(50), cores: 4) == 2)
        #expect(RunMain.jobSlots(.percent(10), cores: 4) == 1)
        #expect(RunMain.jobSlots(.plus(2), cores: 4) == 6)
        #expect(RunMain.jobSlots(.minus(9), cores: 4) == 1)
    }

    @Test("-j 0 runs as many jobs as the descriptors allow, at most 4096, whatever the cores")
    func unlimitedJobSlots() {
        #expect(RunMain.jobSlots(.unlimited, cores: 4, descriptorCapacity: 10) == 10)
        #expect(RunMain.jobSlots(.unlimited, cores: 64, descriptorCapacity: 10) == 10)
        #expect(RunMain.jobSlots(.unlimited, cores: 1, descriptorCapacity: 100_000) == 4096)
    }

    @Test("the descriptor capacity raises the soft limit to the hard one: 6 a job, 16 kept, at least 1")
    func descriptorCapacity() async {
        // In a child process: the limits set here must not reach the other tests.
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
            func capacity(soft: Int, hard: Int) -> String {
                var limit = rlimit(rlim_cur: rlim_t(soft), rlim_max: rlim_t(hard))
                guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return "setrlimit failed" }
                let capacity = RunMain.descriptorCapacity()
                getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
                return "\(capacity) (soft \(limit.rlim_cur))"
            }
            // Lower the hard limit last: it cannot be raised again.
            print(capacity(soft: 100, hard: 400), capacity(soft: 40, hard: 40), capacity(soft: 20, hard: 20), separator: ", ")
        }
        #expect(result.map { String(decoding: $0.standardOutputContent, as: UTF8.self) }
            == "64 (soft 400), 4 (soft 40), 1 (soft 20)\n")
    }

    @Test("long options may be abbreviated when unique; ambiguity and unknown options are errors")
    func abbreviations() throws {
        #expect(try RunOptionParser.parse(bytes(["--keep", "true"])).keepOrder)
        #expect(throws: RunUsageError.self) { try RunOptionParser.parse(bytes(["--re", "true"])) }
        #expect(throws: RunUsageError("unknown option: --frobnicate")) {
            try RunOptionParser.parse(bytes(["--frobnicate", "true"]))
        }
        #expect(throws: RunUsageError("option --sshlogin is not supported by parallelkit run")) {
            try RunOptionParser.parse(bytes(["--sshlogin", "x", "true"]))
        }
    }

    @Test("a template with no shell syntax is split at blanks and run directly")
    func directTemplate() throws {
        let direct = try template(["echo", "pre{}post", "{.}"])
        #expect(!direct.needsShell)
        #expect(direct.argv(context(["a b.c"])) == bytes(["echo", "prea b.cpost", "a b"]))
        #expect(direct.shellText(context(["a b.c"])) == Array("echo pre'a b.c'post 'a b'".utf8))
        #expect(try template(["echo 'x'"]).needsShell)
        #expect(try template(["echo", "a|b"]).needsShell)
        #expect(try template(["A=1", "env"]).needsShell)
        #expect(try template(["cd", "/tmp"]).needsShell)
        #expect(try !template(["dd", "if={}", "of=/dev/null"]).needsShell)
    }

    @Test("without replacement strings the arguments are appended; several values split into words")
    func appended() throws {
        let echo = try template(["echo", "x"])
        #expect(echo.argv(context(["a b", "c"])) == bytes(["echo", "x", "a b", "c"]))
        #expect(echo.shellText(context(["a b", "c"])) == Array("echo x 'a b' c".utf8))
        let all = try template(["echo", "<{}>"])
        #expect(all.argv(context(["a", "b"])) == bytes(["echo", "<a", "b>"]))
    }

    @Test("with -n/-N a word holding {} repeats per argument (context replacement)")
    func contextReplacement() throws {
        let words = try template(["echo", "pre{}post", "{1}"])
        #expect(words.argv(context(["a", "b"], repeatWords: true)) == bytes(["echo", "preapost", "prebpost", "a"]))
        #expect(words.shellText(context(["a", "b"], repeatWords: true)) == Array("echo preapost prebpost a".utf8))
    }

    @Test("positional, sequence, slot and named replacement strings")
    func replacementStrings() throws {
        let words = try template(["{2/.}", "{-1}", "{3}", "{#}", "{%}", "{col}", "{nope}"], header: true)
        #expect(
            words.argv(context(["x", "d/e.f"])) == bytes(["e", "d/e.f", "", "7", "2", "d/e.f", "{nope}"]))
        // An unmatched or unknown brace is literal text, as in GNU (and shell syntax: `{ a; }`).
        #expect(try template(["echo", "{1", "{", "}"]).shellText(context(["a"])) == Array("echo {1 { } a".utf8))
        #expect(throws: RunUsageError.self) { try template(["echo", "{= $_ =}"]) }
    }

    @Test("-q keeps each word whole and quotes it for the shell text")
    func quotedWords() throws {
        let quoted = try template(["printf", "%s;x\\n", "{}"], quote: true)
        #expect(!quoted.needsShell)
        #expect(quoted.argv(context(["a b"])) == bytes(["printf", "%s;x\\n", "a b"]))
        #expect(quoted.shellText(context(["a b"])) == Array("printf '%s;x\\n' 'a b'".utf8))
    }

    @Test("shell quoting matches GNU parallel's", arguments: [
        ("abc-_+./9", "abc-_+./9"), ("", "''"), ("a b", "'a b'"), ("it's", #"'it'"'"'s'"#), ("'", #""'""#),
        ("'a", #""'"'a'"#), ("a'", #"'a'"'""#), ("$(id)", "'$(id)'"), ("a\nb", "'a\nb'"), (",", "','"),
    ])
    func quoting(_ value: String, _ expected: String) {
        #expect(ShellQuote.quote(Array(value.utf8)) == Array(expected.utf8))
    }

    @Test("quoted values are data to /bin/sh, whatever bytes they hold")
    func quotingRoundTrip() async throws {
        let values: [Bytes] = [[0xFF, 0xFE], Array("`id`;$(id)\n\t'\"\\".utf8), [0x2D, 0x6E], [], Array(0x01...0x7F)]
        try await withTemporaryDirectory { directory in
            for value in values {
                // The script goes to the shell as a file, so non-UTF-8 bytes reach it unchanged.
                var script = Array("printf %s ".utf8)
                ShellQuote.append(value, to: &script)
                let path = directory.appendingPathComponent("script").path
                #expect(FileManager.default.createFile(atPath: path, contents: Data(script)))
                let shell = Process()
                shell.executableURL = URL(fileURLWithPath: "/bin/sh")
                shell.arguments = [path]
                let output = Pipe()
                shell.standardOutput = output
                try shell.run()
                let reading = output.fileHandleForReading
                let printed = await offCooperativePool { () -> Data in
                    let printed = reading.readDataToEndOfFile()
                    shell.waitUntilExit()
                    return printed
                }
                #expect(shell.terminationStatus == 0, "\(value)")
                #expect(Array(printed) == value, "\(value)")
            }
        }
    }

    @Test("path replacement strings", arguments: [
        ("dir/sub/file.tar.gz", "dir/sub/file.tar", "file.tar.gz", "dir/sub", "file.tar"),
        (".hidden", "", ".hidden", ".", ""), ("/x.y/", "/x.y/", "", "/", ""), ("a//b", "a//b", "b", "a", "b"),
        ("..", ".", "..", ".", "."), ("", "", "", ".", ""), ("/", "/", "", "/", ""), ("x.", "x", "x.", ".", "x"),
    ])
    func pathForms(_ value: String, _ noExtension: String, _ basename: String, _ dirname: String, _ both: String) {
        let input = Array(value.utf8)
        #expect(PathTransform.noExtension.apply(input) == Array(noExtension.utf8))
        #expect(PathTransform.basename.apply(input) == Array(basename.utf8))
        #expect(PathTransform.dirname.apply(input) == Array(dirname.utf8))
        #expect(PathTransform.basenameNoExtension.apply(input) == Array(both.utf8))
    }

    @Test("--halt forms and the exit statuses they give")
    func haltPolicy() {
        #expect(HaltPolicy.parse("2") == HaltPolicy(when: .now, why: .fail, threshold: .count(1)))
        #expect(HaltPolicy.parse("-1") == HaltPolicy(when: .soon, why: .success, threshold: .count(1)))
        #expect(HaltPolicy.parse("20%") == HaltPolicy(when: .soon, why: .fail, threshold: .percent(20)))
        #expect(HaltPolicy.parse("done=3") == HaltPolicy(when: .soon, why: .done, threshold: .count(3)))
        #expect(HaltPolicy.parse("later,fail=1") == nil)
        #expect(HaltPolicy.parse("now,fail=0") == nil)
        let failOne = HaltPolicy(when: .now, why: .fail, threshold: .count(1))
        #expect(failOne.isReached(by: .init(succeeded: 5, failed: 1), total: nil))
        #expect(failOne.exitStatus(tally: .init(succeeded: 5, failed: 1), total: nil, triggeringStatus: 7) == 7)
        let percent = HaltPolicy(when: .now, why: .fail, threshold: .percent(30))
        #expect(!percent.isReached(by: .init(succeeded: 3, failed: 2), total: 8))
        #expect(percent.isReached(by: .init(succeeded: 3, failed: 3), total: 8))
        #expect(percent.exitStatus(tally: .init(succeeded: 3, failed: 3), total: 8, triggeringStatus: 9) == 38)
        let success = HaltPolicy(when: .soon, why: .success, threshold: .count(2))
        #expect(success.exitStatus(tally: .init(succeeded: 2, failed: 4), total: nil, triggeringStatus: 0) == 0)
    }

    @Test("--termseq and time and size units")
    func units() {
        #expect(Teardown.parse("INT,100,SIGKILL,5")?.steps == [.init(signal: 2, allowed: .milliseconds(100)), .init(signal: 9, allowed: .milliseconds(5))])
        #expect(Teardown.parse("NOPE,1") == nil)
        #expect(OptionValue.seconds("1h30m") == 5400)
        #expect(OptionValue.seconds("2.5") == 2.5)
        #expect(OptionValue.seconds("x") == nil)
        #expect(OptionValue.size("100k") == 100_000)
        #expect(OptionValue.size("1M") == 1_048_576)
        #expect(OptionValue.unescape(Array(#"a\tb\0\x41\101\\"#.utf8)) == [0x61, 0x09, 0x62, 0, 0x41, 0x41, 0x5C])
    }

    @Test("joblog lines use GNU's columns and widths")
    func joblogLine() {
        let record = JobRecord(
            sequence: 12, startTime: 1_700_000_000.1234, runtime: 0.0125, sent: 0, received: 6, exitValue: -1,
            signal: 15, command: Array("sleep 3".utf8))
        #expect(JobLog.line(record) == Array("12\t:\t1700000000.123\t     0.013\t0\t6\t-1\t15\tsleep 3\n".utf8))
    }

    @Test("record boundaries for --pipe: after --recend, before --recstart, where both meet")
    func recordBoundaries() {
        let text = Array("a1\nb\nc\na2\nd\n".utf8)
        text.withUnsafeBytes { raw in
            let lines = RecordBoundary(end: nil, start: nil)
            #expect(lines.first(in: raw, from: 1, limit: raw.count) == 3)
            #expect(lines.last(in: raw, upTo: 8) == 7)
            let starts = RecordBoundary(end: nil, start: Array("a".utf8))
            #expect(starts.first(in: raw, from: 1, limit: raw.count) == 7)
            let both = RecordBoundary(end: Array("\n".utf8), start: Array("d".utf8))
            #expect(both.first(in: raw, from: 1, limit: raw.count) == 10)
        }
    }
}
