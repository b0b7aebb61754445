import ParallelKitSystem

/// Reads the format written by `WireEncoder`; see `WireCoder`. The primitives here check every
/// length against the bytes left; `WireDecoder` (WireDecoder.swift) builds on them.
final class WireReader {
    // Unchecked: a reader belongs to one decode on one thread; the dynamic exclusivity checks
    // on every byte read were a large share of decoding time.
    @exclusivity(unchecked) private(set) var bytes: [UInt8]
    @exclusivity(unchecked) var offset = 0
    /// Whether pages that decoding has passed for good are handed back to the kernel as it goes
    /// (``WireCoder/decode(_:consuming:)``), so that a large message and the values decoded
    /// from it are not both resident at the end.
    var releasesConsumed = false
    /// How many keyed lookups are under way: one may go back to a lower offset, so nothing is
    /// released while one is. Unkeyed containers only move forward.
    @exclusivity(unchecked) var keyedDepth = 0
    /// How deeply the values being decoded are nested: bounded, so that hostile bytes for a
    /// recursive type cannot exhaust the stack.
    @exclusivity(unchecked) var depth = 0
    /// Where the latest keyed lookup ended: the keyed container that starts at `first`
    /// (containers are told apart by where their entries start), and the entry after the one
    /// it read. Synthesized `Codable` asks for keys in the order they were written, so the next
    /// lookup finds its key here at the first comparison. Only a hint: the key is compared.
    @exclusivity(unchecked) var keyHint: (first: Int, next: Int) = (-1, -1)
    /// Types found not to be `WireFields` or arrays of them (`PlainTypes`).
    @exclusivity(unchecked) var plainTypes = PlainTypes()
    /// Bytes before this offset have been released.
    private var released = 0

    static let maximumDepth = 512

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Releases the whole pages before `offset`, when nothing can read them again: no keyed
    /// lookup is under way, and at least 1 MiB has been passed since the last release.
    func releaseConsumed() {
        guard releasesConsumed, keyedDepth == 0, offset - released >= 1 << 20 else { return }
        let (from, to) = (released, offset)
        // Mutable access: if the array were shared, this would copy it rather than zero the
        // pages another holder reads (`decode(_:consuming:)` passes it on unshared).
        released = bytes.withUnsafeMutableBytes { releasePages(of: $0, from: from, to: to) }
    }

    var remaining: Int { bytes.count - offset }

    func corrupt(_ path: [any CodingKey], _ why: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: path, debugDescription: "\(why) (at byte \(offset) of \(bytes.count))"))
    }

    func corrupt(_ path: WirePath, _ why: String) -> DecodingError { corrupt(path.codingPath, why) }

    @inline(__always) func byte(_ path: WirePath = .root) throws(DecodingError) -> UInt8 {
        guard offset < bytes.count else { throw corrupt(path, "message ends early") }
        defer { offset += 1 }
        return bytes.withUnsafeBytes { $0[offset] }
    }

    @inline(__always) private func load<T: FixedWidthInteger>(_: T.Type, _ path: WirePath) throws(DecodingError) -> T {
        guard remaining >= MemoryLayout<T>.size else { throw corrupt(path, "message ends early") }
        defer { offset += MemoryLayout<T>.size }
        return T(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) })
    }

    @inline(__always) func uint32(_ path: WirePath = .root) throws(DecodingError) -> UInt32 { try load(UInt32.self, path) }
    @inline(__always) func uint64(_ path: WirePath = .root) throws(DecodingError) -> UInt64 { try load(UInt64.self, path) }

    /// The length of a string (or key) at the offset, checked; the offset is left on its first byte.
    @inline(__always) func stringLength(_ path: WirePath = .root) throws(DecodingError) -> Int {
        let length = Int(try uint32(path))
        guard length <= remaining else { throw corrupt(path, "string longer than the message") }
        return length
    }

    func string(_ path: WirePath = .root) throws(DecodingError) -> String {
        let length = try stringLength(path)
        defer { offset += length }
        return bytes.withUnsafeBytes { String(decoding: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + length)]), as: UTF8.self) }
    }

    /// Whether the `length` bytes at `position` are those at `other`; the caller has checked they fit.
    @inline(__always) func bytesMatch(at position: Int, _ other: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            let here = buffer.baseAddress! + position
            for index in 0..<length where here[index] != other[index] { return false }
            return true
        }
    }

    /// Whether the `length` bytes at `position` are `key`'s UTF-8; the caller has checked they fit.
    @inline(__always) func keyMatches(at position: Int, length: Int, _ key: String) -> Bool {
        var key = key
        return key.withUTF8 { utf8 in
            utf8.count == length && (length == 0 || bytesMatch(at: position, utf8.baseAddress!, length))
        }
    }

    /// Finds `key` among the `count` entries of the keyed container between `first` and `end`
    /// (checked when it was opened): where its value starts. Begins at `keyHint` when that is
    /// in this container, and wraps around once; leaves the offset on the value.
    func findKey(_ key: String, first: Int, count: Int, end: Int, path: WirePath) throws(DecodingError) -> Int? {
        var position = keyHint.first == first ? keyHint.next : first
        for _ in 0..<count {
            if position >= end { position = first }
            offset = position
            let length = try stringLength(path)
            let matches = keyMatches(at: offset, length: length, key)
            offset += length
            if matches { return offset }
            try skipValue()
            position = offset
        }
        return nil
    }

    @inline(__always) func peekTag(_ path: WirePath = .root) throws(DecodingError) -> WireTag {
        guard offset < bytes.count else { throw corrupt(path, "message ends early") }
        let byte = bytes.withUnsafeBytes { $0[offset] }
        guard let tag = WireTag(rawValue: byte) else { throw corrupt(path, "unknown tag \(byte)") }
        return tag
    }

    @inline(__always) func tag(_ path: WirePath = .root) throws(DecodingError) -> WireTag {
        let tag = try peekTag(path)
        offset += 1
        return tag
    }

    /// Moves past one value of any kind, checking every length. `depth` bounds nesting.
    func skipValue(depth: Int = 0) throws(DecodingError) {
        guard depth < Self.maximumDepth else { throw corrupt(.root, "values nested too deeply") }
        switch try tag() {
        case .null, .falseValue, .trueValue: break
        case .int, .uint, .double: try advance(8)
        case .float: try advance(4)
        case .string: try advance(try stringLength())
        case .array:
            let count = try uint32()
            for _ in 0..<count { try skipValue(depth: depth + 1) }
        case .keyed:
            let count = try uint32()
            for _ in 0..<count {
                try advance(try stringLength())
                try skipValue(depth: depth + 1)
            }
        case .packed:
            guard let stride = PackedCodec.stride(ofKind: try byte()) else { throw corrupt(.root, "unknown packed kind") }
            let count = Int(try uint32())
            let (length, overflow) = count.multipliedReportingOverflow(by: stride)
            guard !overflow, length <= remaining else { throw corrupt(.root, "packed array longer than the message") }
            offset += length
        }
    }

    @inline(__always) private func advance(_ count: Int) throws(DecodingError) {
        guard count <= remaining else { throw corrupt(.root, "message ends early") }
        offset += count
    }
}
