import Foundation
import ParallelKitTestSupport

/// What a run of the `parallelkit` executable printed and how it ended.
struct CLIResult {
    var status: Int32
    var output: String
    var error: String
    /// Seconds from start to exit, timed off the cooperative pool: a test awaiting the run may
    /// resume later than that when other tests keep the pool busy.
    var seconds: Double
}

/// The `parallelkit` executable built next to the test bundle.
func cliPath() -> String { siblingExecutable("parallelkit") }

/// An executable of this package, built in the same folder as (or a parent folder of) the test bundle.
func siblingExecutable(_ name: String) -> String {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = bundle.deletingLastPathComponent()
    while directory.path != "/" {
        let candidate = directory.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    return name
}

/// Runs `parallelkit` (or another `executable`) with `arguments` (after `prefix`, e.g.
/// `taskset -c 0`) and waits for it, off the cooperative pool.
func runCLI(
    _ arguments: [String], prefix: [String] = [], environment: [String: String] = [:], executable: String = cliPath()
) async throws -> CLIResult {
    let process = Process()
    let command = prefix + [executable] + arguments
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = command
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "PARALLELKIT_WORKERS")
    for (key, value) in environment { env[key] = value }
    process.environment = env
    // Files, not pipes: a child that fills one pipe while we drain the other would hang.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pk-cli-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let outputURL = directory.appendingPathComponent("out")
    let errorURL = directory.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: outputURL)
    process.standardError = try FileHandle(forWritingTo: errorURL)
    process.standardInput = FileHandle.nullDevice
    let start = ContinuousClock.now
    try process.run()
    let elapsed = await offCooperativePool { () -> Duration in
        process.waitUntilExit()
        return ContinuousClock.now - start
    }
    return CLIResult(
        status: process.terminationStatus, output: try String(contentsOf: outputURL, encoding: .utf8),
        error: try String(contentsOf: errorURL, encoding: .utf8), seconds: Double(elapsed / .milliseconds(1)) / 1000)
}

/// Runs a /bin/sh `script` in which `$1` is the `parallelkit` executable.
func runScript(_ script: String) async throws -> CLIResult {
    try await runCLI([], prefix: ["/bin/sh", "-c", script, "sh"])
}
