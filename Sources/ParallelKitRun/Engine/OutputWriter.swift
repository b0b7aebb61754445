import ParallelKitSystem

/// Writes jobs' output to the runner's standard output (stream 0) and error (stream 1), putting
/// a tag and a tab before every line with `--tag`/`--tagstring`, as GNU does (a last line without
/// a newline is tagged and left without one).
///
/// A write that fails is remembered in ``failure`` (the first one) and nothing more goes to
/// that stream: the runner then ends the run (``RunWriteFailure``). A closed pipe on standard
/// output is ``brokenPipe`` instead: the runner stops as GNU does on SIGPIPE.
final class OutputWriter {
    private var buffers: [Bytes] = [[], []]
    private let descriptors: [Int32] = [1, 2]
    private static let names = ["standard output", "standard error"]
    /// Set when standard output is a closed pipe; the runner then stops like GNU on SIGPIPE.
    private(set) var brokenPipe = false
    /// The first write to standard output or error that failed otherwise.
    private(set) var failure: RunWriteFailure?
    private var streamFailed = [false, false]
    /// Whether ``message(_:)`` writes (the Swift API's runs say nothing on standard error).
    var messages = true

    init() {
        buffers[0].reserveCapacity(64 * 1024)
    }

    /// Appends `bytes` to `stream`; `atLineStart` carries whether the next byte starts a line.
    func write(_ bytes: UnsafeRawBufferPointer, stream: Int, tag: Bytes?, atLineStart: inout Bool) {
        guard bytes.count > 0 else { return }
        guard let tag else {
            buffers[stream].append(contentsOf: bytes)
            atLineStart = bytes[bytes.count - 1] == 0x0A
            if buffers[stream].count >= 64 * 1024 { flush(stream) }
            return
        }
        var start = 0
        while start < bytes.count {
            if atLineStart {
                buffers[stream].append(contentsOf: tag)
                buffers[stream].append(0x09)
            }
            let end: Int
            if let newline = memchr(bytes.baseAddress! + start, 0x0A, bytes.count - start) {
                end = bytes.baseAddress!.distance(to: UnsafeRawPointer(newline)) + 1
                atLineStart = true
            } else {
                end = bytes.count
                atLineStart = false
            }
            buffers[stream].append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
            start = end
        }
        if buffers[stream].count >= 64 * 1024 { flush(stream) }
    }

    func write(_ bytes: Bytes, stream: Int, tag: Bytes? = nil) {
        var lineStart = true
        bytes.withUnsafeBytes { write($0, stream: stream, tag: tag, atLineStart: &lineStart) }
    }

    /// Writes a whole buffered stream.
    func write(_ buffer: OutputBuffer, stream: Int, tag: Bytes?) {
        var lineStart = true
        buffer.forEachPiece { write($0, stream: stream, tag: tag, atLineStart: &lineStart) }
    }

    /// Sends what is buffered for `stream` (both when `nil`) to its descriptor.
    func flush(_ stream: Int? = nil) {
        for index in stream.map({ [$0] }) ?? [0, 1] where !buffers[index].isEmpty {
            if !streamFailed[index] {
                do {
                    try writeAll(descriptors[index], buffers[index])
                } catch {
                    streamFailed[index] = true
                    if error.errno == EPIPE, index == 0 {
                        brokenPipe = true
                    } else if failure == nil {
                        failure = RunWriteFailure(target: Self.names[index], error: error)
                    }
                }
            }
            buffers[index].removeAll(keepingCapacity: true)
        }
    }

    /// Writes a message from the runner itself to standard error, after what is buffered.
    func message(_ text: String) {
        flush()
        guard messages else { return }
        try? writeAll(2, Array(("parallelkit run: " + text + "\n").utf8))  // nowhere to report it
    }
}
