import CParallelKit
import ParallelKitSystem

/// A byte string. The runner keeps arguments, input lines and commands as bytes end to end, so
/// a line that is not UTF-8 reaches its job unchanged (Swift's `String` would repair it).
package typealias Bytes = [UInt8]

extension Array where Element == UInt8 {
    /// The UTF-8 bytes of `text`.
    package init(_ text: String) { self = Array(text.utf8) }

    /// The bytes as text, invalid UTF-8 repaired: for messages only, never for job data.
    package var text: String { String(decoding: self, as: UTF8.self) }

    /// The first index at or after `start` where `needle` begins, or `nil`.
    package func firstIndex(of needle: Bytes, from start: Int = 0) -> Int? {
        guard !needle.isEmpty, start <= count - needle.count else { return needle.isEmpty ? start : nil }
        return withUnsafeBufferPointer { haystack in
            needle.withUnsafeBufferPointer { pattern in
                guard let base = haystack.baseAddress, let found = pk_memmem(
                    base + start, count - start, pattern.baseAddress, pattern.count)
                else { return nil }
                return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            }
        }
    }

    /// Whether the bytes start with `prefix`.
    package func starts(with prefix: String) -> Bool { starts(with: prefix.utf8) }

    /// The bytes split at every occurrence of `separator` (empty pieces kept).
    package func split(separator: Bytes) -> [Bytes] {
        var pieces: [Bytes] = []
        var start = 0
        while let found = firstIndex(of: separator, from: start) {
            pieces.append(Array(self[start..<found]))
            start = found + separator.count
        }
        pieces.append(Array(self[start...]))
        return pieces
    }
}

/// The decimal digits of an integer (with a minus sign when negative), as bytes.
@inline(__always)
package func decimalBytes(_ value: Int) -> Bytes { Array(String(value).utf8) }

/// Opens the file at `path` with `flags` (and `mode` for a file it creates).
///
/// - Throws: ``SystemError`` from `open`.
package func openFile(_ path: Bytes, _ flags: Int32, mode: mode_t = 0) throws(SystemError) -> Int32 {
    try systemCall("open") { withCString(path) { open($0, flags, mode) } }
}
