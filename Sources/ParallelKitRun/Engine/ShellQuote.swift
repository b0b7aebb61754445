/// Quoting for POSIX shells, in the same form GNU parallel prints: words of safe characters stay
/// bare, anything else goes in single quotes with each `'` written as `'"'"'`. Inside single
/// quotes a POSIX shell gives every byte — `$`, backticks, `;`, newlines, bytes that are not
/// UTF-8 — its literal value, so a quoted value is data, never code.
enum ShellQuote {
    /// Whether `byte` needs no quoting: letters, digits and `_ + - . /`.
    @inline(__always)
    static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }

    /// Appends `value`, quoted, to `output`.
    static func append(_ value: Bytes, to output: inout Bytes) {
        if value.isEmpty {
            output.append(contentsOf: [UInt8(ascii: "'"), UInt8(ascii: "'")])
            return
        }
        if value.allSatisfy(isSafe) {
            output.append(contentsOf: value)
            return
        }
        let start = output.count
        output.append(UInt8(ascii: "'"))
        for byte in value {
            if byte == UInt8(ascii: "'") {
                output.append(contentsOf: Array(#"'"'"'"#.utf8))
            } else {
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "'"))
        // A value that starts or ends with a quote leaves an empty '' pair at that end; GNU drops it.
        if output.count - start > 2, output[start] == UInt8(ascii: "'"), output[start + 1] == UInt8(ascii: "'") {
            output.removeSubrange(start..<(start + 2))
        }
        if output.count - start > 2, output[output.count - 1] == UInt8(ascii: "'"),
            output[output.count - 2] == UInt8(ascii: "'")
        {
            output.removeLast(2)
        }
    }

    /// `value`, quoted.
    static func quote(_ value: Bytes) -> Bytes {
        var output: Bytes = []
        append(value, to: &output)
        return output
    }
}

/// GNU parallel's path replacement strings, byte for byte.
enum PathTransform: Sendable, Equatable {
    /// `{}`: the value.
    case none
    /// `{.}`: without the extension (a last `.` with no `/` after it, and what follows).
    case noExtension
    /// `{/}`: without the directory (everything up to the last `/`).
    case basename
    /// `{//}`: the directory, as `dirname(1)` gives it.
    case dirname
    /// `{/.}`: the basename without its extension.
    case basenameNoExtension

    /// The suffix that selects this transform after `{` or a position (`{3/.}`).
    static func parse<C: Collection<UInt8>>(_ suffix: C) -> PathTransform? {
        switch Array(suffix) {
        case []: return PathTransform.none
        case [UInt8(ascii: ".")]: return .noExtension
        case [UInt8(ascii: "/")]: return .basename
        case [UInt8(ascii: "/"), UInt8(ascii: "/")]: return .dirname
        case [UInt8(ascii: "/"), UInt8(ascii: ".")]: return .basenameNoExtension
        default: return nil
        }
    }

    func apply(_ value: Bytes) -> Bytes {
        switch self {
        case .none: return value
        case .noExtension: return Self.removingExtension(value)
        case .basename: return Self.basename(value)
        case .dirname: return Self.dirname(value)
        case .basenameNoExtension: return Self.removingExtension(Self.basename(value))
        }
    }

    private static let slash = UInt8(ascii: "/")
    private static let dot = UInt8(ascii: ".")

    static func removingExtension(_ value: Bytes) -> Bytes {
        guard let lastDot = value.lastIndex(of: dot) else { return value }
        if value[lastDot...].contains(slash) { return value }
        return Array(value[..<lastDot])
    }

    static func basename(_ value: Bytes) -> Bytes {
        guard let lastSlash = value.lastIndex(of: slash) else { return value }
        return Array(value[(lastSlash + 1)...])
    }

    static func dirname(_ value: Bytes) -> Bytes {
        var path = value[...]
        guard !path.isEmpty else { return [dot] }
        while path.count > 1, path.last == slash { path = path.dropLast() }
        if path == [slash] { return [slash] }
        guard let lastSlash = path.lastIndex(of: slash) else { return [dot] }
        path = path[..<lastSlash]
        while path.last == slash { path = path.dropLast() }
        return path.isEmpty ? [slash] : Array(path)
    }
}
