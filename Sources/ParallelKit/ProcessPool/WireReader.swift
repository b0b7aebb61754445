import ParallelKitSystem

/// Reads the format written by `WireEncoder`; see `WireCoder`.
///
/// Containers index their elements by skipping over them once (every value is tagged and
/// length-prefixed), so keyed lookups are by key and unkeyed reads are in order.
final class WireReader {
    private(set) var bytes: [UInt8]
    var offset = 0
    /// Whether pages that decoding has passed for good are handed back to the kernel as it goes
    /// (``WireCoder/decode(_:consuming:)``), so that a large message and the values decoded
    /// from it are not both resident at the end.
    var releasesConsumed = false
    /// How many keyed lookups are under way: one may go back to a lower offset, so nothing is
    /// released while one is. Unkeyed containers only move forward.
    var keyedDepth = 0
    /// Bytes before this offset have been released.
    private var released = 0

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

    func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw corrupt([], "message ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    func uint32() throws -> UInt32 {
        guard remaining >= 4 else { throw corrupt([], "message ends early") }
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[offset + index]) << (8 * index) }
        offset += 4
        return value
    }

    func uint64() throws -> UInt64 {
        guard remaining >= 8 else { throw corrupt([], "message ends early") }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * index) }
        offset += 8
        return value
    }

    func string() throws -> String {
        let length = Int(try uint32())
        guard length <= remaining else { throw corrupt([], "string longer than the message") }
        defer { offset += length }
        return String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
    }

    func peekTag() throws -> WireTag {
        guard offset < bytes.count else { throw corrupt([], "message ends early") }
        guard let tag = WireTag(rawValue: bytes[offset]) else { throw corrupt([], "unknown tag \(bytes[offset])") }
        return tag
    }

    func tag() throws -> WireTag {
        let tag = try peekTag()
        offset += 1
        return tag
    }

    /// Moves past one value of any kind, checking every length. `depth` bounds nesting.
    func skipValue(depth: Int = 0) throws {
        guard depth < 512 else { throw corrupt([], "values nested too deeply") }
        switch try tag() {
        case .null, .falseValue, .trueValue: break
        case .int, .uint, .double: offset += 8
        case .float: offset += 4
        case .string: _ = try string()
        case .array:
            let count = try uint32()
            for _ in 0..<count { try skipValue(depth: depth + 1) }
        case .keyed:
            let count = try uint32()
            for _ in 0..<count {
                _ = try string()
                try skipValue(depth: depth + 1)
            }
        case .packed:
            guard let kind = PackedKind(rawValue: try byte()) else { throw corrupt([], "unknown packed kind") }
            let count = Int(try uint32())
            let (length, overflow) = count.multipliedReportingOverflow(by: kind.stride)
            guard !overflow, length <= remaining else { throw corrupt([], "packed array longer than the message") }
            offset += length
        }
        guard offset <= bytes.count else { throw corrupt([], "message ends early") }
    }

    /// Decodes one value at the current position.
    func decodeValue<T: Decodable>(_ type: T.Type, codingPath: [any CodingKey]) throws -> T {
        if let packed = T.self as? any PackedArray.Type, try peekTag() == .packed {
            offset += 1
            return try packed.readPacked(from: self, codingPath: codingPath) as! T
        }
        let start = offset
        let value = try T(from: WireDecoder(reader: self, codingPath: codingPath))
        if offset == start { try skipEmptyKeyedContainer() }
        return value
    }

    /// Steps over an empty keyed container that a decoder never opened: a struct without
    /// stored properties encodes one (`{}`), but its synthesized `init(from:)` reads nothing.
    private func skipEmptyKeyedContainer() throws {
        guard remaining >= 5, try peekTag() == .keyed else { return }
        let start = offset
        offset += 1
        if try uint32() != 0 { offset = start }
    }
}

extension PackedKind {
    var stride: Int {
        switch self {
        case .int, .int64, .uint, .uint64, .double: return 8
        case .int32, .uint32, .float: return 4
        case .int16, .uint16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }
}

struct WireDecoder: Decoder {
    let reader: WireReader
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard try reader.tag() == .keyed else { throw reader.corrupt(codingPath, "expected a keyed container") }
        let count = try reader.uint32()
        var entries: [String: Int] = [:]
        for _ in 0..<count {
            let key = try reader.string()
            entries[key] = reader.offset
            try reader.skipValue()
        }
        return KeyedDecodingContainer(WireKeyedDecoder<Key>(reader: reader, codingPath: codingPath, entries: entries, end: reader.offset))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard try reader.tag() == .array else { throw reader.corrupt(codingPath, "expected an array") }
        let count = Int(try reader.uint32())
        guard count <= reader.remaining else { throw reader.corrupt(codingPath, "array longer than the message") }
        return WireUnkeyedDecoder(reader: reader, codingPath: codingPath, count: count)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        WireSingleValueDecoder(reader: reader, codingPath: codingPath)
    }
}

struct WireSingleValueDecoder: SingleValueDecodingContainer {
    let reader: WireReader
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool {
        guard (try? reader.peekTag()) == .null else { return false }
        reader.offset += 1
        return true
    }

    private func signed() throws -> Int64 {
        switch try reader.tag() {
        case .int: return Int64(bitPattern: try reader.uint64())
        case .uint:
            let value = try reader.uint64()
            guard value <= UInt64(Int64.max) else { throw reader.corrupt(codingPath, "number out of range") }
            return Int64(value)
        default: throw reader.corrupt(codingPath, "expected an integer")
        }
    }

    private func unsigned() throws -> UInt64 {
        switch try reader.tag() {
        case .uint: return try reader.uint64()
        case .int:
            let value = Int64(bitPattern: try reader.uint64())
            guard value >= 0 else { throw reader.corrupt(codingPath, "number out of range") }
            return UInt64(value)
        default: throw reader.corrupt(codingPath, "expected an integer")
        }
    }

    private func exact<T: FixedWidthInteger>(_ value: some BinaryInteger) throws -> T {
        guard let exact = T(exactly: value) else { throw reader.corrupt(codingPath, "number out of range for \(T.self)") }
        return exact
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        switch try reader.tag() {
        case .trueValue: return true
        case .falseValue: return false
        default: throw reader.corrupt(codingPath, "expected a Bool")
        }
    }
    func decode(_ type: String.Type) throws -> String {
        guard try reader.tag() == .string else { throw reader.corrupt(codingPath, "expected a string") }
        return try reader.string()
    }
    func decode(_ type: Double.Type) throws -> Double {
        guard try reader.tag() == .double else { throw reader.corrupt(codingPath, "expected a Double") }
        return Double(bitPattern: try reader.uint64())
    }
    func decode(_ type: Float.Type) throws -> Float {
        guard try reader.tag() == .float else { throw reader.corrupt(codingPath, "expected a Float") }
        return Float(bitPattern: try reader.uint32())
    }
    func decode(_ type: Int.Type) throws -> Int { try exact(try signed()) }
    func decode(_ type: Int8.Type) throws -> Int8 { try exact(try signed()) }
    func decode(_ type: Int16.Type) throws -> Int16 { try exact(try signed()) }
    func decode(_ type: Int32.Type) throws -> Int32 { try exact(try signed()) }
    func decode(_ type: Int64.Type) throws -> Int64 { try signed() }
    func decode(_ type: UInt.Type) throws -> UInt { try exact(try unsigned()) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try exact(try unsigned()) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try exact(try unsigned()) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try exact(try unsigned()) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try unsigned() }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try reader.decodeValue(T.self, codingPath: codingPath) }
}

struct WireKeyedDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let reader: WireReader
    let codingPath: [any CodingKey]
    let entries: [String: Int]
    /// Where the container ends: the reader is left here after every lookup.
    let end: Int

    var allKeys: [Key] { entries.keys.compactMap { Key(stringValue: $0) } }
    func contains(_ key: Key) -> Bool { entries[key.stringValue] != nil }

    private func at<T>(_ key: Key, _ body: (WireReader) throws -> T) throws -> T {
        guard let start = entries[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no value for \(key.stringValue)"))
        }
        reader.offset = start
        reader.keyedDepth += 1
        defer {
            reader.keyedDepth -= 1
            reader.offset = end
        }
        return try body(reader)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        try at(key) { reader in (try? reader.peekTag()) == .null }
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try at(key) { reader in try reader.decodeValue(T.self, codingPath: codingPath + [key]) }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try at(key) { reader in try WireDecoder(reader: reader, codingPath: codingPath + [key]).container(keyedBy: type) }
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try at(key) { reader in
            let container = try WireDecoder(reader: reader, codingPath: codingPath + [key]).unkeyedContainer()
            return try WireUnkeyedDecoder.detached(from: container, reader: reader)
        }
    }

    func superDecoder() throws -> any Decoder { try superDecoder(forKey: Key(stringValue: "super")!) }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try at(key) { reader in
            let start = reader.offset
            try reader.skipValue()
            return WireDecoder(reader: WireReader(Array(reader.bytes[start..<reader.offset])), codingPath: codingPath + [key])
        }
    }
}

struct WireUnkeyedDecoder: UnkeyedDecodingContainer {
    let reader: WireReader
    let codingPath: [any CodingKey]
    let total: Int
    var currentIndex = 0

    init(reader: WireReader, codingPath: [any CodingKey], count: Int) {
        self.reader = reader
        self.codingPath = codingPath
        self.total = count
    }

    /// A copy reading from its own bytes, for containers handed out of a keyed lookup (which
    /// moves the shared reader on).
    static func detached(from container: any UnkeyedDecodingContainer, reader: WireReader) throws -> WireUnkeyedDecoder {
        let start = reader.offset
        let count = container.count ?? 0
        for _ in 0..<count { try reader.skipValue() }
        return WireUnkeyedDecoder(reader: WireReader(Array(reader.bytes[start..<reader.offset])), codingPath: container.codingPath, count: count)
    }

    var count: Int? { total }
    var isAtEnd: Bool { currentIndex >= total }

    private mutating func next() throws -> WireReader {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "array has no more elements"))
        }
        currentIndex += 1
        return reader
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, (try? reader.peekTag()) == .null else { return false }
        reader.offset += 1
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let value = try next().decodeValue(T.self, codingPath: codingPath)
        reader.releaseConsumed()
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try WireDecoder(reader: try next(), codingPath: codingPath).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try WireDecoder(reader: try next(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { WireDecoder(reader: try next(), codingPath: codingPath) }
}
