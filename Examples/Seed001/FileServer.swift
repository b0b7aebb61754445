import Foundation

/// A local HTTP server for the download example: `python3 -m http.server` on a free port of
/// 127.0.0.1, serving a temporary directory of three files. No outside network is touched.
final class FileServer {
    let directory: URL
    let port: Int
    private let process: Process

    /// Writes `files` (name → size in bytes) into a new temporary directory and serves it.
    init(files: [(name: String, bytes: Int)]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("seed001-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (index, file) in files.enumerated() {
            let byte = UInt8(ascii: "a") + UInt8(index)
            try Data(repeating: byte, count: file.bytes).write(to: directory.appendingPathComponent(file.name))
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // Port 0: the kernel picks a free one, and the server prints it.
        process.arguments = ["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", directory.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "port "), let port = Int(text[range.upperBound...].prefix { $0.isNumber }) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ServerError(message: "python3 -m http.server did not say its port: \(text)")
        }
        self.port = port
    }

    func url(_ name: String) -> URL { URL(string: "http://127.0.0.1:\(port)/\(name)")! }

    /// Stops the server and removes its directory.
    func stop() {
        // SIGKILL, not `terminate()`'s SIGTERM: the server may have inherited a signal mask that
        // blocks SIGTERM from the thread that started it.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    struct ServerError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
