import Foundation
import ParallelKitTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Waits up to `seconds` for `condition`, checking every 20 ms. It blocks: call it through
/// `offCooperativePool`, where its bound holds however busy other tests keep the pool.
func waitUntil(within seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

/// The joblog at `path`: sequence number → (exit value, signal), header skipped.
func joblogEntries(_ path: String) -> [(sequence: Int, exit: Int, signal: Int)] {
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").dropFirst().compactMap { line in
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count >= 9, let sequence = Int(fields[0]), let exit = Int(fields[6]), let signal = Int(fields[7])
        else { return nil }
        return (sequence, exit, signal)
    }
}

/// A fresh directory, removed when `body` returns.
func withTemporaryDirectory<R>(_ body: (URL) async throws -> R) async throws -> R {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pk-run-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

@Suite("parallelkit run", .serialized)
struct RunCommandTests {
    @Test("--resume after the runner was killed with kill -9 loses and re-runs no finished job")
    func resumeAfterKill() async throws {
        try await withTemporaryDirectory { directory in
            let joblog = directory.appendingPathComponent("jl").path
            let marker = "pk-resume-\(UUID().uuidString.prefix(8))"
            // Each job counts its runs in runs.N, then sleeps; its line is logged when it ends.
            let job = "echo run >> runs.{}; sleep 0.2 # \(marker)"
            let runner = Process()
            runner.executableURL = URL(fileURLWithPath: cliPath())
            runner.arguments = ["run", "-j2", "--joblog", joblog, job, ":::"] + (1...30).map(String.init)
            runner.currentDirectoryURL = directory
            runner.standardOutput = FileHandle.nullDevice
            try runner.run()
            // The kill must land while jobs remain (about 2.4 s after the sixth ends), so the wait
            // and the kill run on a thread of their own, however busy other tests keep the pool.
            let pid = runner.processIdentifier
            let sawSix = await offCooperativePool { () -> Bool in
                let seen = waitUntil(within: 30) { joblogEntries(joblog).count >= 6 }
                kill(pid, SIGKILL)
                runner.waitUntilExit()
                return seen
            }
            #expect(sawSix)
            let logged = Set(joblogEntries(joblog).map(\.sequence))
            #expect(logged.count >= 6 && logged.count < 30)
            // Jobs that were running when the runner died finish on their own (GNU's jobs do too).
            #expect(await offCooperativePool {
                waitUntil(within: 10) { processes(withCommandLineContaining: marker).isEmpty }
            })

            let resumed = try await runCLI(
                ["run", "-j2", "--resume", "--joblog", joblog, "cd '\(directory.path)'; " + job, ":::"]
                    + (1...30).map(String.init))
            #expect(resumed.status == 0, "\(resumed.error)")
            let entries = joblogEntries(joblog)
            #expect(entries.count == 30, "every job logged exactly once")
            #expect(Set(entries.map(\.sequence)) == Set(1...30))
            for sequence in logged {
                let runs = (try? String(contentsOf: directory.appendingPathComponent("runs.\(sequence)"), encoding: .utf8))
                #expect(runs == "run\n", "job \(sequence) finished before the kill and must not run again")
            }
        }
    }

    @Test("--timeout ends a job that ignores SIGTERM with the rest of --termseq")
    func timeoutIgnoringTerm() async throws {
        try await withTemporaryDirectory { directory in
            let joblog = directory.appendingPathComponent("jl").path
            let marker = "\(Int.random(in: 100_000...999_999))"
            let run = try await runCLI([
                "run", "--timeout", "0.5", "--termseq", "TERM,300,TERM,300,KILL,25", "--joblog", joblog,
                "trap '' TERM; sleep 30.\(marker); echo not reached", ":::", "1",
            ])
            #expect(run.seconds < 20)
            #expect(run.status == 1)
            #expect(!run.output.contains("not reached"))
            let entries = joblogEntries(joblog)
            #expect(entries.count == 1)
            #expect(entries.first?.exit == -1 && entries.first?.signal == Int(SIGKILL))
            #expect(processes(withCommandLineContaining: "sleep 30.\(marker)").isEmpty)
        }
    }

    @Test("--timeout N% ends a job that runs longer than N% of the median successful runtime")
    func percentTimeout() async throws {
        try await withTemporaryDirectory { directory in
            let joblog = directory.appendingPathComponent("jl").path
            let run = try await runCLI(["run", "-j1", "--timeout", "300%", "--joblog", joblog, "sleep", ":::", "0.1", "0.1", "0.1", "20"])
            #expect(run.status == 1)
            #expect(run.seconds < 15)
            let entries = joblogEntries(joblog)
            #expect(entries.map(\.exit) == [0, 0, 0, -1])
            #expect(entries.last?.signal == Int(SIGTERM))
        }
    }

    @Test("a job that starts a background child leaves nothing running")
    func backgroundChild() async throws {
        let marker = "\(Int.random(in: 100_000...999_999))"
        let run = try await runCLI(["run", "sleep 60.\(marker) & echo started {}", ":::", "1"])
        #expect(run.status == 0)
        #expect(run.output == "started 1\n")
        #expect(run.seconds < 30, "the runner must not wait for the background child")
        #expect(await offCooperativePool {
            waitUntil(within: 5) { processes(withCommandLineContaining: "sleep 60.\(marker)").isEmpty }
        })
    }

    @Test("a leftover that ignores SIGTERM and holds no pipe still gets the rest of --termseq")
    func stubbornLeftover() async throws {
        let marker = "\(Int.random(in: 100_000...999_999))"
        let run = try await runCLI(["run", "(trap '' TERM; exec sleep 60.\(marker)) >/dev/null 2>&1 & echo started {}", ":::", "1"])
        #expect(run.status == 0)
        #expect(run.output == "started 1\n")
        #expect(run.seconds < 30, "the leftover ran to its end instead of being killed")
        #expect(await offCooperativePool {
            waitUntil(within: 5) { processes(withCommandLineContaining: "sleep 60.\(marker)").isEmpty }
        })
    }

    @Test("SIGTERM to the runner ends every job's process group")
    func terminateRunner() async throws {
        let marker = "\(Int.random(in: 100_000...999_999))"
        let runner = Process()
        runner.executableURL = URL(fileURLWithPath: cliPath())
        runner.arguments = ["run", "-j3", "sleep 40.\(marker) & sleep 50.\(marker)", ":::", "1", "2", "3"]
        runner.standardOutput = FileHandle.nullDevice
        try runner.run()
        // Polled, signalled and waited for on a thread of its own: the TERM must reach the runner
        // while its jobs run (40 s), however busy other tests keep the pool.
        let pid = runner.processIdentifier
        let sawThree = await offCooperativePool { () -> Bool in
            let seen = waitUntil(within: 20) { processes(withCommandLineContaining: "sleep 40.\(marker)").count >= 3 }
            kill(pid, SIGTERM)
            runner.waitUntilExit()
            return seen
        }
        #expect(sawThree)
        #expect(runner.terminationStatus == 128 + SIGTERM)
        #expect(await offCooperativePool {
            waitUntil(within: 5) { processes(withCommandLineContaining: ".\(marker)").isEmpty }
        })
    }

    @Test("--pipe output equals a serial run on a 100 MB input, and so does --pipepart")
    func pipeLargeInput() async throws {
        try await withTemporaryDirectory { directory in
            let input = directory.appendingPathComponent("in").path
            let script = """
                seq 1 14000000 | head -c 100000000 > '\(input)'
                tr 0-9 a-j < '\(input)' | cksum > serial
                '\(cliPath())' run --pipe -k --block 2M tr 0-9 a-j < '\(input)' | cksum > piped
                '\(cliPath())' run --pipepart -a '\(input)' -k --block 3M tr 0-9 a-j | cksum > parts
                wc -c < '\(input)'
                cat serial piped parts
                """
            let run = Process()
            run.executableURL = URL(fileURLWithPath: "/bin/sh")
            run.arguments = ["-c", script]
            run.currentDirectoryURL = directory
            let pipe = Pipe()
            run.standardOutput = pipe
            try run.run()
            let reading = pipe.fileHandleForReading
            let output = await offCooperativePool { () -> String in
                let output = String(decoding: reading.readDataToEndOfFile(), as: UTF8.self)
                run.waitUntilExit()
                return output
            }
            let lines = output.split(separator: "\n")
            #expect(lines.count == 4)
            #expect(lines.first == "100000000")
            #expect(lines.count == 4 && lines[1] == lines[2] && lines[1] == lines[3], "\(output)")
        }
    }

    @Test("-j beyond the descriptor limit runs fewer jobs at once, says so, and loses no --pipe block")
    func descriptorLimit() async throws {
        // 40 descriptors leave room for (40 - 16) / 6 = 4 jobs; 30 would run out of pipes.
        let run = try await runScript("ulimit -n 40; seq 12 | \"$1\" run -j 30 -k --pipe -N1 'cat; echo .'")
        #expect(run.status == 0)
        #expect(run.output == (1...12).map { "\($0)\n.\n" }.joined())
        #expect(run.error == "parallelkit run: only enough file descriptors to run 4 jobs at once\n")
    }

    @Test("SIGTERM reaches a runner blocked reading standard input")
    func terminateWhileReading() async throws {
        // The script holds the fifo open for writing, so the runner's read blocks until killed.
        let run = try await runScript("""
            d=$(mktemp -d); mkfifo "$d/in"
            "$1" run 'echo got {}' < "$d/in" & runner=$!
            exec 3>"$d/in"; echo 1 >&3; sleep 0.5
            kill -TERM $runner
            i=0; while kill -0 $runner 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
            kill -0 $runner 2>/dev/null && echo still-running || echo stopped
            exec 3>&-; wait $runner; echo rc=$?; rm -r "$d"
            """)
        #expect(run.output.hasSuffix("stopped\nrc=143\n"), "\(run.output)")
    }

    @Test("while standard input is quiet, running jobs are still served: --timeout, output, -n")
    func quietInput() async throws {
        // The input stays open 3 s after its only record: the job is killed at its 1 s timeout.
        let timedOut = try await runScript("""
            d=$(mktemp -d)
            (echo 10; sleep 3) | "$1" run --timeout 1 --joblog "$d/jl" sleep; echo rc=$?
            awk -F'\t' 'NR == 2 { print ($4 < 2.5 ? "killed-on-time" : "killed-late"), "signal=" $8 }' "$d/jl"
            rm -r "$d"
            """)
        #expect(timedOut.output == "rc=1\nkilled-on-time signal=15\n", "\(timedOut.output)")
        // A finished job's output is printed before the next record arrives; a job of -n 2
        // waits for its second record without losing the first.
        let served = try await runScript("""
            d=$(mktemp -d); mkfifo "$d/in"
            "$1" run -k -n 2 echo < "$d/in" > "$d/out" & runner=$!
            exec 3>"$d/in"; echo a >&3; echo b >&3; echo c >&3
            i=0; while ! grep -q 'a b' "$d/out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
            grep -q 'a b' "$d/out" && echo early || echo late
            echo d >&3; exec 3>&-; wait $runner; echo rc=$?; cat "$d/out"; rm -r "$d"
            """)
        #expect(served.output == "early\nrc=0\na b\nc d\n", "\(served.output)")
    }

    @Test("--pipe: while the next block has not arrived, running jobs are still served: --timeout, output")
    func quietPipeInput() async throws {
        // The first block (two records, 4 bytes) arrives at once, the second 3 s later: the first
        // job is killed at its 1 s timeout meanwhile, not when the runner next looks up from reading.
        let timedOut = try await runScript("""
            d=$(mktemp -d)
            (printf 'a\\nb\\nc\\n'; sleep 3; printf 'd\\n') |
                "$1" run --pipe --block 4 --timeout 1 --joblog "$d/jl" 'cat; sleep 10'; echo rc=$?
            awk -F'\\t' 'NR == 2 { print ($4 < 2.5 ? "killed-on-time" : "killed-late"), "signal=" $8 }' "$d/jl"
            rm -r "$d"
            """)
        #expect(timedOut.output == "a\nb\nc\nd\nrc=2\nkilled-on-time signal=15\n", "\(timedOut.output)")
        // A finished job's output is printed before the next block arrives.
        let served = try await runScript("""
            d=$(mktemp -d); mkfifo "$d/in"
            "$1" run -k --pipe -N 2 cat < "$d/in" > "$d/out" & runner=$!
            exec 3>"$d/in"; printf 'a\\nb\\nc\\n' >&3
            i=0; while ! grep -q b "$d/out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
            grep -q b "$d/out" && echo early || echo late
            echo d >&3; exec 3>&-; wait $runner; echo rc=$?; cat "$d/out"; rm -r "$d"
            """)
        #expect(served.output == "early\nrc=0\na\nb\nc\nd\n", "\(served.output)")
    }

    @Test("signals ignored by the runner's parent (nohup) stay ignored: a hangup ends nothing")
    func ignoredHangup() async throws {
        let run = try await runScript("""
            trap '' HUP
            "$1" run 'sleep 1; echo done {}' ::: 1 & runner=$!
            sleep 0.3; kill -HUP $runner; wait $runner; echo rc=$?
            """)
        #expect(run.output == "done 1\nrc=0\n")
    }

    @Test("a job's output larger than the in-memory bound spills to a file and arrives whole, in order")
    func spilledOutput() async throws {
        let run = try await runCLI(["run", "-k", "-j2", "head -c {} /dev/zero | tr '\\0' x; echo", ":::", "3000000", "10"])
        #expect(run.status == 0)
        #expect(run.output == String(repeating: "x", count: 3_000_000) + "\nxxxxxxxxxx\n")
    }

    @Test("--bar, --eta and --progress draw on standard error and leave standard output alone")
    func progressOutput() async throws {
        let run = try await runCLI(["run", "-k", "--bar", "--eta", "--progress", "echo", ":::", "a", "b", "c"])
        #expect(run.status == 0)
        #expect(run.output == "a\nb\nc\n")
        #expect(run.error.contains("3/3 done"))
        #expect(run.error.contains("100%"))
    }

    @Test("--retry-delay waits, doubling, between attempts")
    func retryDelay() async throws {
        try await withTemporaryDirectory { directory in
            let started = Date()
            let run = try await runCLI([
                "run", "--retries", "3", "--retry-delay", "0.3", "date +%s.%N >> '\(directory.path)/t'; exit 1", ":::", "a",
            ])
            #expect(run.status == 1)
            let stamps = try String(contentsOf: directory.appendingPathComponent("t"), encoding: .utf8)
                .split(separator: "\n").compactMap { Double($0) }
            #expect(stamps.count == 3)
            if stamps.count == 3 {
                // Lower bounds only: a busy machine may wait longer, never shorter.
                #expect(stamps[1] - stamps[0] >= 0.29)
                #expect(stamps[2] - stamps[1] >= 0.59)
            }
            #expect(Date().timeIntervalSince(started) >= 0.89)
        }
    }

    @Test("a template with no shell syntax runs without a shell; -q runs its words as given")
    func directExecution() async throws {
        // cat reads its own /proc entry: field 4 of stat is its parent, which must be the runner.
        let runner = Process()
        runner.executableURL = URL(fileURLWithPath: cliPath())
        runner.arguments = ["run", "-k", "cat", "/proc/self/stat", ":::", "/dev/null"]
        let pipe = Pipe()
        runner.standardOutput = pipe
        try runner.run()
        let reading = pipe.fileHandleForReading
        let stat = await offCooperativePool { () -> String in
            let stat = String(decoding: reading.readDataToEndOfFile(), as: UTF8.self)
            runner.waitUntilExit()
            return stat
        }
        let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
        #expect(fields.count > 2 && Int32(fields[1]) == runner.processIdentifier, "\(stat)")

        let quoted = try await runCLI(["run", "-q", "sh", "-c", "echo \"$0|$1\"", "first word", ":::", "x"])
        #expect(quoted.output == "first word|x\n")
    }

    @Test("a job starts with no signal blocked and SIGPIPE at its default; a failed exec is reported")
    func jobStartState() async throws {
        let status = try await runCLI(["run", "-N0", "cat", "/proc/self/status", ":::", "x"])
        #expect(status.status == 0)
        func mask(_ name: String) -> UInt64? {
            status.output.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { UInt64($0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) }
        }
        #expect(mask("SigBlk") == 0)
        #expect(mask("SigIgn").map { $0 & (1 << (UInt64(SIGPIPE) - 1)) } == 0, "the runner ignores SIGPIPE; its jobs must not")

        try await withTemporaryDirectory { directory in
            let script = directory.appendingPathComponent("needs-missing-interpreter").path
            try "#!/nonexistent/interpreter\n".write(toFile: script, atomically: true, encoding: .utf8)
            chmod(script, 0o755)
            let joblog = directory.appendingPathComponent("joblog").path
            let run = try await runCLI(["run", "--joblog", joblog, script, ":::", "a", "b"])
            #expect(run.status == 2)
            #expect(run.error.components(separatedBy: "cannot start \(script): No such file or directory").count == 3, "\(run.error)")
            #expect(joblogEntries(joblog).map(\.exit) == [127, 127])
        }
    }

    @Test("usage errors are one line on standard error with status 255", arguments: [
        ["--frobnicate", "echo", ":::", "a"], ["-j", "foo", "echo", ":::", "a"], ["-a", "/nonexistent", "echo"],
        ["--halt", "bogus", "echo"], ["--timeout", "x", "echo"], ["-j"], ["echo", "{= $_ =}", ":::", "a"],
        ["--termseq", "BOGUS", "echo"], ["--retries", "x", "echo"], ["--pipepart", "cat"],
    ])
    func usageErrors(_ arguments: [String]) async throws {
        let run = try await runCLI(["run"] + arguments)
        #expect(run.status == 255)
        #expect(run.output.isEmpty)
        #expect(run.error.split(separator: "\n").count == 1)
        #expect(run.error.hasPrefix("parallelkit run: "))
    }

    @Test("parallelkit --help lists run")
    func helpListsRun() async throws {
        let run = try await runCLI(["--help"])
        #expect(run.output.contains("run"))
    }
}
