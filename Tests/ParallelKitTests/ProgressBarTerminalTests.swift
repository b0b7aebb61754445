import Foundation
import ParallelKitTestSupport
import Testing

/// Runs `command` on a real pseudo-terminal (Python's `pty`, with output post-processing and
/// echo off, so that the bytes are exactly what the program wrote) and returns what it wrote
/// there; with `interruptAfter`, types Ctrl-C (the terminal's `VINTR`, so the kernel sends the
/// `SIGINT`) that many seconds after the program first wrote.
private func runOnTerminal(_ command: [String], interruptAfter: Double? = nil) async throws -> TerminalRun {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pk-pty-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let script = directory.appendingPathComponent("terminal_run.py")
    try ptyScript.write(to: script, atomically: true, encoding: .utf8)
    let output = directory.appendingPathComponent("out")
    let report = directory.appendingPathComponent("report")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    _ = FileManager.default.createFile(atPath: report.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script.path, String(interruptAfter ?? -1)] + command
    process.standardOutput = try FileHandle(forWritingTo: output)
    process.standardError = try FileHandle(forWritingTo: report)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    await offCooperativePool { process.waitUntilExit() }
    let reported = try String(contentsOf: report, encoding: .utf8)
    let fields = reported.split(separator: " ")
    if fields.count != 3 { Issue.record("the pty helper said: \(reported)") }
    let text = try String(decoding: Data(contentsOf: output), as: UTF8.self)
    return TerminalRun(
        text: text, signal: fields.first.flatMap { Int32($0) } ?? -1,
        status: fields.dropFirst().first.flatMap { Int32($0) } ?? -1,
        seconds: fields.dropFirst(2).first.flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0)
}

private struct TerminalRun {
    var text: String
    var signal: Int32
    var status: Int32
    var seconds: Double
}

private let ptyScript = """
    import os, pty, select, sys, termios, time
    after = float(sys.argv[1]); command = sys.argv[2:]
    start = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        attrs = termios.tcgetattr(0)
        attrs[1] &= ~termios.OPOST
        attrs[3] &= ~termios.ECHO
        termios.tcsetattr(0, termios.TCSANOW, attrs)
        os.execv(command[0], command)
    out = bytearray(); sent = False; deadline = None
    while True:
        timeout = None if deadline is None or sent else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            os.write(fd, b"\\x03"); sent = True; continue
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data: break
        if deadline is None and after >= 0: deadline = time.monotonic() + after
        out += data
    _, status = os.waitpid(pid, 0)
    elapsed = time.monotonic() - start
    sys.stdout.buffer.write(out)
    signal = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
    sys.stderr.write("%d %d %.3f\\n" % (signal, code, elapsed))
    """

private let hasPython = ProcessInfo.processInfo.environment["PATH", default: ""].split(separator: ":")
    .contains { FileManager.default.isExecutableFile(atPath: "\($0)/python3") }

private func drill(_ arguments: String...) -> [String] { [testWorkerPath(), "progress-drill"] + arguments }

/// Whether every frame (the text after each `\r`) is whole: it ends by erasing the rest of the
/// line, and nothing but the final line's newline follows.
private func wellFormed(_ text: String) -> Bool {
    let drawn = frames(text)
    return !drawn.isEmpty && text.hasPrefix("\r")
        && drawn.allSatisfy { $0.hasSuffix("\u{1B}[K") || $0.hasSuffix("\u{1B}[K\n") }
        && drawn.allSatisfy { $0.components(separatedBy: "\u{1B}[K").count == 2 }
}

@Suite("ProgressBar on a terminal", .enabled(if: hasPython, "needs python3 for its pty module"))
struct ProgressBarTerminalTests {
    @Test("a backend's events draw the bar, at most ten frames a second, and the final line ends it")
    func draws() async throws {
        let run = try await runOnTerminal(drill("single", "60", "20000"))
        #expect(run.signal == 0 && run.status == 0)
        let drawn = frames(run.text)
        #expect(drawn.count >= 2)
        #expect(Double(drawn.count) <= run.seconds * 10 + 2)
        #expect(wellFormed(run.text))
        #expect(run.text.hasSuffix("\u{1B}[K\n") && run.text.filter { $0 == "\n" }.count == 1)
        #expect(drawn.last?.hasPrefix("drill: 100% 60/60 done, 0 running |█") == true)
        #expect(!run.text.contains("\u{1B}[?25"))  // the cursor is never hidden (nor shown)
    }

    @Test("Ctrl-C mid-run leaves one complete frame: the last bytes end a whole line")
    func interrupted() async throws {
        let run = try await runOnTerminal(drill("single", "1000", "20000"), interruptAfter: 0.6)
        #expect(run.signal == SIGINT)
        #expect(wellFormed(run.text))
        #expect(run.text.hasSuffix("\u{1B}[K") && !run.text.contains("\n"))
        #expect(frames(run.text).allSatisfy { $0.hasPrefix("drill: ") })
    }

    @Test("nested bars: the inner one draws, each ends on its line, then the outer one ends")
    func nested() async throws {
        let run = try await runOnTerminal(drill("nested", "20", "10000"))
        #expect(run.status == 0 && wellFormed(run.text))
        let lines = run.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 5 && lines.last?.isEmpty == true)
        guard lines.count == 5 else { return }
        for step in 1...3 {
            let drawn = frames(String(lines[step - 1]))
            #expect(drawn.allSatisfy { $0.hasPrefix("inner \(step): ") || $0.hasPrefix("outer: ") })
            #expect(drawn.last?.hasPrefix("inner \(step): 100% 20/20 done") == true)
        }
        #expect(frames(String(lines[3])).last?.hasPrefix("outer: 100% 3/3 done") == true)
    }

    @Test("two bars at once on one terminal: whole frames of one bar each, and two final lines")
    func concurrent() async throws {
        let run = try await runOnTerminal(drill("concurrent", "40", "10000"))
        #expect(run.status == 0 && wellFormed(run.text))
        #expect(frames(run.text).allSatisfy { $0.hasPrefix("first: ") || $0.hasPrefix("second: ") })
        let finals = run.text.split(separator: "\n").compactMap { frames(String($0)).last }
        #expect(finals.count == 2)
        #expect(finals.contains { $0.hasPrefix("first: 100% 40/40 done") })
        #expect(finals.contains { $0.hasPrefix("second: 100% 40/40 done") })
    }

    @Test("standard error in a file: nothing at all, or with summary exactly one plain line")
    func redirected() async throws {
        let silent = try await runCLI([], prefix: drill("single", "30", "5000"))
        #expect(silent.status == 0 && silent.error.isEmpty && silent.output.isEmpty)
        let summary = try await runCLI([], prefix: drill("nested", "10", "2000", "summary", "fail"))
        #expect(summary.status == 0)
        let lines = summary.error.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 5 && lines.last?.isEmpty == true)
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix(" (failed)") })
        #expect(!summary.error.contains("\r") && !summary.error.contains("\u{1B}"))
        #expect(lines.first?.hasPrefix("inner 1: 10/10 done in ") == true)
        #expect(lines.dropLast().last?.hasPrefix("outer: 3/3 done in ") == true)
    }

    @Test("parallelkit bench: progress only on the terminal, erased at the end; the JSON stays clean")
    func bench() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pk-bench-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = directory.appendingPathComponent("json").path
        let run = try await runOnTerminal([
            "/bin/sh", "-c",
            "\"$0\" bench --quick --json --repetitions 3 --workload tiny --workload sleep-16 > '\(json)'",
            cliPath(),
        ])
        #expect(run.status == 0)
        let rows = try String(contentsOfFile: json, encoding: .utf8).split(separator: "\n")
        #expect(!rows.isEmpty && rows.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") })
        // Drawn only after a second; when drawn, whole frames naming the workload, and erased.
        if !run.text.isEmpty {
            #expect(wellFormed(run.text) && run.text.hasSuffix("\r\u{1B}[K") && !run.text.contains("\n"))
        }
    }
}
