/// Reads small files such as `/proc` and `/sys` entries.
package enum SmallFile {
    /// The bytes of the file at `path`, at most `limit` of them.
    ///
    /// - Throws: ``SystemError`` from `open` or `read`.
    package static func bytes(_ path: String, limit: Int = 64 * 1024) throws(SystemError) -> [UInt8] {
        let fd = try systemCall("open") { path.withCString { open($0, O_RDONLY | O_CLOEXEC) } }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let wanted = min(chunk.count, limit - bytes.count)
            let got = try systemCall("read") { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, wanted) } }
            if got == 0 { break }
            bytes.append(contentsOf: chunk[0..<got])
        }
        return bytes
    }

    /// The contents of the file at `path` as text, or `nil` when it cannot be opened or read.
    package static func text(_ path: String, limit: Int = 64 * 1024) -> String? {
        (try? bytes(path, limit: limit)).map { String(decoding: $0, as: UTF8.self) }
    }
}
