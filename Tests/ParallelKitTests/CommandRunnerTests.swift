import Foundation
import ParallelKitRun
import ParallelKitSystem
import ParallelKitTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `CommandRunner`'s calls: argument vectors and templates, input and completion order, output
/// limits, retries with backoff, timeouts through the teardown sequence.
@Suite("CommandRunner", .serialized)
struct CommandRunnerTests {
    @Test("map runs argument vectors and returns their results in input order")
    func mapArguments() async throws {
        let runner = CommandRunner(RunConfiguration(workers: .count(3)))
        // Later jobs finish first: the order is still the input's.
        let jobs = (1...6).map { ["sh", "-c", "sleep 0.0\(7 - $0); echo job $1", "sh", "\($0)"] }
        let results = try await runner.map(arguments: jobs)
        #expect(results.map(\.sequence) == Array(1...6))
        #expect(results.map(\.text) == (1...6).map { "job \($0)\n" })
        #expect(results.allSatisfy { $0.isSuccess && $0.attempts == 1 && (1...3).contains($0.slot) })
        #expect(results[0].arguments == jobs[0])
    }

    @Test("A template runs once per value, with GNU's replacement strings and quoting")
    func template() async throws {
        let runner = CommandRunner(RunConfiguration(workers: .count(2)))
        let values = ["a.txt", "dir/b c.tar", "$(touch pk-injected)"]
        let direct = try await runner.map(template: "echo {} {.} {/} {#}", values: values)
        #expect(direct.map(\.text) == [
            "a.txt a a.txt 1\n", "dir/b c.tar dir/b c b c.tar 2\n",
            "$(touch pk-injected) $(touch pk-injected) $(touch pk-injected) 3\n",
        ])
        // Shell syntax in the template: run by /bin/sh, with every value quoted (data, never code).
        let shell = try await runner.map(template: "echo {} | tr a-z A-Z", values: values)
        #expect(shell.map(\.text) == ["A.TXT\n", "DIR/B C.TAR\n", "$(TOUCH PK-INJECTED)\n"])
        #expect(!FileManager.default.fileExists(atPath: "pk-injected"))
        #expect(shell[1].command.hasSuffix(" | tr a-z A-Z") && shell[1].command.contains("c.tar"))
        let pairs = try await runner.map(template: "echo {2}-{1}", values: [["a", "b"], ["c", "d"]])
        #expect(pairs.map(\.text) == ["b-a\n", "d-c\n"])
    }

    @Test("streamUnordered yields results as jobs finish; stream in input order")
    func completionOrder() async throws {
        try await withTemporaryDirectory { directory in
            let go = directory.appendingPathComponent("go").path
            // Job 1 ends only once job 2's result has been read (or after a minute, to fail rather
            // than hang): no timing involved. Done in the same turn of the loop, jobs are
            // delivered in the order they started, so the reader must have seen job 2 first.
            let wait = "i=0; while [ ! -e \"$0\" ] && [ $i -lt 6000 ]; do sleep 0.01; i=$((i+1)); done; echo one"
            let runner = CommandRunner(RunConfiguration(workers: .count(2)))
            var unordered: [Int] = []
            for try await result in runner.streamUnordered(arguments: [["sh", "-c", wait, go], ["echo", "two"]]) {
                unordered.append(result.sequence)
                if result.sequence == 2 { _ = FileManager.default.createFile(atPath: go, contents: nil) }
            }
            #expect(unordered == [2, 1])
            // In input order, job 1's result comes first although job 2 ended first.
            try FileManager.default.removeItem(atPath: go)
            let flag = directory.appendingPathComponent("flag").path
            let jobs = [["sh", "-c", "while [ ! -e \"$0\" ]; do sleep 0.01; done", flag], ["touch", flag]]
            var ordered: [Int] = []
            for try await result in runner.stream(arguments: jobs) { ordered.append(result.sequence) }
            #expect(ordered == [1, 2])
        }
    }

    @Test("A job printing 100 MB keeps only the limit and reports the truncation")
    func outputLimit() async throws {
        let limit = 1 << 20
        let runner = CommandRunner(RunConfiguration(workers: .count(1), output: .collect(limit: limit)))
        let results = try await runner.map(arguments: [["head", "-c", "100000000", "/dev/zero"], ["echo", "small"]])
        #expect(results[0].standardOutput.count == limit)
        #expect(results[0].outputByteCount == 100_000_000)
        #expect(results[0].isTruncated)
        #expect(results[0].isSuccess)
        #expect(results[1].text == "small\n")
        #expect(!results[1].isTruncated)
    }

    @Test("Streamed output arrives in chunks, whole, and is not kept in the results")
    func streamedOutput() async throws {
        let received = Mutex<[Int: [UInt8]]>([:])
        let configuration = RunConfiguration(workers: .count(2), output: .stream { chunk in
            received.withLock { $0[chunk.sequence, default: []] += chunk.bytes }
        })
        let results = try await CommandRunner(configuration).map(template: "seq {}", values: ["3", "1000"])
        #expect(results.allSatisfy { $0.standardOutput.isEmpty && !$0.isTruncated })
        let text = received.withLock { $0.mapValues { String(decoding: $0, as: UTF8.self) } }
        #expect(text[1] == "1\n2\n3\n")
        #expect(text[2] == (1...1000).map { "\($0)\n" }.joined())
    }

    @Test("A failed job is tried again after the delay, doubled for each further attempt")
    func retriesWithBackoff() async throws {
        try await withTemporaryDirectory { directory in
            let log = directory.appendingPathComponent("attempts").path
            // Fails twice, then succeeds; each attempt logs when it started.
            let script = "date +%s.%N >> \"$0\"; [ $(wc -l < \"$0\") -ge 3 ]"
            var configuration = RunConfiguration(workers: .count(1), retries: 3, retryDelay: .milliseconds(200))
            configuration.environment = .inheriting(adding: ["PK_TEST": "1"])
            let results = try await CommandRunner(configuration).map(arguments: [["sh", "-c", script, log]])
            #expect(results[0].isSuccess)
            #expect(results[0].attempts == 3)
            let starts = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").compactMap { Double($0) }
            #expect(starts.count == 3)
            // Lower bounds only: a delay is never shorter than asked (200 ms, then 400 ms).
            #expect(starts[1] - starts[0] >= 0.19)
            #expect(starts[2] - starts[1] >= 0.39)
        }
    }

    @Test("A timeout ends the job's process group through the teardown sequence")
    func timeout() async throws {
        let marker = "pk-timeout-\(UUID().uuidString.prefix(8))"
        var configuration = RunConfiguration(workers: .count(2), timeout: .milliseconds(300))
        configuration.teardown = Teardown([
            .init(signal: SIGTERM, allowed: .milliseconds(200)), .init(signal: SIGKILL, allowed: .milliseconds(50)),
        ])
        let results = try await CommandRunner(configuration).map(arguments: [
            ["sh", "-c", "sleep 1000 & wait", marker],  // ends at the first TERM
            ["sh", "-c", "trap '' TERM; sleep 1000 & wait", marker],  // needs the KILL
            ["echo", "in time"],
        ])
        #expect(results[0].timedOut && results[0].status == .signaled(SIGTERM))
        #expect(results[1].timedOut && results[1].status == .signaled(SIGKILL))
        #expect(!results[0].isSuccess && results[2].isSuccess && !results[2].timedOut)
        // Generous: the teardown takes 250 ms after the 300 ms timeout.
        #expect(results[1].runtime < .seconds(30))
        #expect(processes(withCommandLineContaining: marker).isEmpty)
    }

    @Test("The working directory and environment reach the jobs")
    func workingDirectoryAndEnvironment() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = RunConfiguration(workers: .count(1))
            configuration.workingDirectory = directory.path
            configuration.environment = .custom(["PATH": "/usr/bin:/bin", "PK_VALUE": "42"])
            let results = try await CommandRunner(configuration).map(arguments: [["sh", "-c", "pwd; echo $PK_VALUE $PARALLEL_SEQ"]])
            let resolved = directory.resolvingSymlinksInPath().path
            #expect(results[0].text == "\(resolved)\n42 1\n")
        }
    }
}
