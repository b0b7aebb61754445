import Foundation
import ParallelKit
import ParallelKitMemory
import Synchronization

/// A directory of its own for one test, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "parallelkit-memory-" + UUID().uuidString
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// The log files in its `entries/`, sorted.
    var logFiles: [String] {
        let entries = path + "/entries"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: entries)) ?? []
        return names.filter { $0.hasSuffix(".log") }.sorted().map { entries + "/" + $0 }
    }
}

/// Counts how often the work behind a cached function ran.
final class Calls: Sendable {
    private let value = Atomic(0)
    func add() { value.add(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}

/// The drill executable built beside the test bundle.
let drillPath: String = {
    do {
        return try WorkerExecutable.product("ParallelKitMemoryDrill").path
    } catch {
        fatalError("the memory drill: \(error)")
    }
}()

/// Runs the drill with `arguments` to its end; its standard output's lines and its status.
func runDrill(_ arguments: [String]) throws -> (lines: [String], status: Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: drillPath)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    return (lines, process.terminationStatus)
}

/// Polls (every millisecond, blocking the thread) until the file at `path` holds at least `bytes`
/// bytes; fails when `process` exits first, or after two minutes.
func waitForFile(_ path: String, toReach bytes: Int, whileRunning process: Process) throws {
    struct NotReached: Error, CustomStringConvertible { let description: String }
    let deadline = ContinuousClock.now + .seconds(120)
    var status = stat()
    while stat(path, &status) != 0 || Int(status.st_size) < bytes {
        guard process.isRunning else { throw NotReached(description: "the drill ended before \(path) held \(bytes) bytes") }
        guard ContinuousClock.now < deadline else { throw NotReached(description: "\(path) never held \(bytes) bytes") }
        usleep(1000)
    }
}
