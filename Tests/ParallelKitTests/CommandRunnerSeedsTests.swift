import Foundation
import ParallelKitRun
import ParallelKitTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The seeds' programs through `CommandRunner` (issue 15, deliverable 4): seed 004's three
/// scripts run in parallel, and seed 001's downloads as `curl` jobs against a local HTTP server,
/// with retries and a timeout.
@Suite("CommandRunner seeds", .serialized)
struct CommandRunnerSeedsTests {
    /// A fresh directory under the temporary one.
    private static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("Seed 004: script1.py, script2.py, script3.py in parallel, each output whole and in input order")
    func threeScripts() async throws {
        let directory = try Self.temporaryDirectory("pk-seed-004")
        defer { try? FileManager.default.removeItem(at: directory) }
        var jobs: [[String]] = []
        for number in 1...3 {
            // Lines written one at a time with pauses between them, so that three scripts at once
            // would interleave on a shared terminal; the later scripts finish first.
            let script = """
                import sys, time
                for line in range(5):
                    print(f"script\(number) line {line}", flush=True)
                    time.sleep(0.0\(4 - number))
                print("script\(number) warning", file=sys.stderr, flush=True)
                """
            let path = directory.appendingPathComponent("script\(number).py").path
            try script.write(toFile: path, atomically: true, encoding: .utf8)
            jobs.append(["python3", path])
        }
        let runner = CommandRunner(RunConfiguration(workers: .count(3)))
        let results = try await runner.map(arguments: jobs)
        #expect(results.map(\.sequence) == [1, 2, 3])
        for (index, result) in results.enumerated() {
            let number = index + 1
            #expect(result.isSuccess && result.status == .exited(0))
            #expect(result.text == (0..<5).map { "script\(number) line \($0)\n" }.joined())
            #expect(String(decoding: result.standardError, as: UTF8.self) == "script\(number) warning\n")
        }
        // Three at once: each in a slot of its own.
        #expect(Set(results.map(\.slot)) == [1, 2, 3])
    }

    /// A server on 127.0.0.1 (port chosen by the kernel, printed first): `/flaky…` answers 500 to
    /// the first request for its path, `/hang…` never answers, anything else is 100 lines naming
    /// its path.
    private static let server = """
        import http.server, sys, threading, time
        seen, lock = set(), threading.Lock()
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *arguments): pass
            def do_GET(self):
                if self.path.startswith("/hang"):
                    time.sleep(3600)
                    return
                if self.path.startswith("/flaky"):
                    with lock:
                        first = self.path not in seen
                        seen.add(self.path)
                    if first:
                        self.send_response(500)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                body = ("content of " + self.path + "\\n").encode() * 100
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    @Test("Seed 001: curl downloads with retries and a timeout; the flaky one retried, the hanging one timed out")
    func downloads() async throws {
        let directory = try Self.temporaryDirectory("pk-seed-001")
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("server.py").path
        try Self.server.write(toFile: script, atomically: true, encoding: .utf8)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", script]
        let output = Pipe()
        server.standardOutput = output
        try server.run()
        // Killed whatever happens below: no server outlives the test. SIGKILL, not terminate():
        // a child of Foundation's Process starts with this thread's signals blocked (SIGTERM too).
        defer {
            if server.isRunning { kill(server.processIdentifier, SIGKILL) }
            server.waitUntilExit()
        }
        let reader = output.fileHandleForReading
        let portLine = await offCooperativePool { () -> String in
            var bytes = Data()
            while !bytes.contains(0x0A) {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                bytes.append(chunk)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let port = try #require(Int(portLine.trimmingCharacters(in: .whitespacesAndNewlines)))

        let token = "pk\(UUID().uuidString.prefix(8))"
        let paths = ["/file1-\(token)", "/file2-\(token)", "/flaky-\(token)", "/file3-\(token)", "/hang-\(token)"]
        let jobs = paths.map { path in
            ["curl", "--silent", "--show-error", "--fail", "-o", directory.appendingPathComponent(String(path.dropFirst())).path,
             "http://127.0.0.1:\(port)\(path)"]
        }
        var configuration = RunConfiguration(workers: .count(3), timeout: .seconds(2), retries: 1, retryDelay: .milliseconds(100))
        configuration.teardown = Teardown([.init(signal: SIGTERM, allowed: .milliseconds(200)), .init(signal: SIGKILL, allowed: .milliseconds(25))])
        let results = try await CommandRunner(configuration).map(arguments: jobs)

        #expect(results.map(\.sequence) == Array(1...5))
        for (path, result) in zip(paths, results) where !path.hasPrefix("/hang") {
            #expect(result.isSuccess, "\(path): \(result.status)")
            let saved = FileManager.default.contents(atPath: directory.appendingPathComponent(String(path.dropFirst())).path)
            #expect(saved == Data(String(repeating: "content of \(path)\n", count: 100).utf8))
            #expect(result.attempts == (path.hasPrefix("/flaky") ? 2 : 1))
        }
        let hung = results[4]
        #expect(!hung.isSuccess)
        #expect(hung.timedOut)
        #expect(hung.attempts == 2)
        // Nothing left: no curl (each names the token), and the server still serving until now.
        #expect(processes(withCommandLineContaining: token).isEmpty)
        #expect(server.isRunning)
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        #expect(processes(withCommandLineContaining: script).isEmpty)
    }
}
