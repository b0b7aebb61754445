import ParallelKitSystem

// Reads that block until a child process writes or closes its end: run them through
// `offCooperativePool`, never on the cooperative pool itself.

/// Reads `fd` to its end and closes it.
package func readToEnd(_ fd: Int32) -> String {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while let got = try? systemCall("read", { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) } }), got > 0 {
        bytes += chunk[..<got]
    }
    close(fd)
    return String(decoding: bytes, as: UTF8.self)
}

/// Reads up to a newline (or the end) from `fd`.
package func readLine(_ fd: Int32) -> String {
    var bytes: [UInt8] = []
    var byte: UInt8 = 0
    while (try? systemCall("read", { read(fd, &byte, 1) })) == 1, byte != UInt8(ascii: "\n") { bytes.append(byte) }
    return String(decoding: bytes, as: UTF8.self)
}
