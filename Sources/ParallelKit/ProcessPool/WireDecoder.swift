/// Decodes values from a `WireReader`: the `Decoder` side of `WireCoder`.
///
/// Numbers, strings, Bools and packed arrays are read straight from the bytes, without a
/// decoder or a container. A keyed container is checked whole when it is opened (every length,
/// so that lookups cannot run past it) and then searched by key from where the previous lookup
/// ended (`WireReader.keyHint`): in the written order every key is found at the first
/// comparison, in any other order by a scan that wraps around. Nothing is allocated for it but
/// the container box Swift's `KeyedDecodingContainer` makes.
extension WireReader {
    /// Decodes one value at the current position: numbers, strings, Bools and packed arrays
    /// straight from the bytes, other values through a `WireDecoder`.
    func decodeValue<T: Decodable>(_ type: T.Type, path: WirePath, key: (any CodingKey)? = nil) throws -> T {
        if T.self == Int.self { return unsafeBitCast(try exact(Int.self, signed(path, key), path, key), to: T.self) }
        if T.self == Double.self { return unsafeBitCast(try double(path, key), to: T.self) }
        if T.self == String.self { return unsafeBitCast(try taggedString(path, key), to: T.self) }
        if T.self == Bool.self { return unsafeBitCast(try bool(path, key), to: T.self) }
        if let (kind, codec) = PackedCodec.of(T.self), try peekTag(path) == .packed {
            return try packed(T.self, kind, codec, path, key)
        }
        depth += 1
        defer { depth -= 1 }
        let path = key.map { WirePath(parent: path, key: $0) } ?? path
        guard depth < Self.maximumDepth else { throw corrupt(path, "values nested too deeply") }
        if !plainTypes.contains(T.self) {
            if let fields = T.self as? any WireFields.Type { return try decodeFields(fields, as: T.self, path: path) }
            if let array = T.self as? any WireFieldsArray.Type { return try decodeFieldsArray(array, as: T.self, path: path) }
            plainTypes.insert(T.self)
        }
        let start = offset
        let value = try T(from: WireDecoder(reader: self, path: path))
        if offset == start { try skipEmptyKeyedContainer() }
        return value
    }

    /// Reads the packed array of `kind` at the offset, whose tag the caller has checked, as the `T` it is.
    @inline(__always)
    func packed<T>(_ type: T.Type, _ kind: UInt8, _ codec: PackedCodec, _ path: WirePath, _ key: (any CodingKey)?) throws(DecodingError) -> T {
        offset += 1
        guard try byte(path) == kind else { throw corrupt(path, key, "packed array of another element type") }
        // An array is one reference: read into a word, then move it out as the `T` it is.
        precondition(MemoryLayout<T>.size == MemoryLayout<UInt>.size, "a packed array is one reference")
        var word: UInt = 0
        try withUnsafeMutableBytes(of: &word) { (raw) throws(DecodingError) in try codec.read(self, path, raw.baseAddress!) }
        return withUnsafeMutableBytes(of: &word) { $0.baseAddress!.bindMemory(to: T.self, capacity: 1).move() }
    }

    /// The packed `[Element]` of `kind` at the offset (its tag included).
    @inline(__always) func packedElements<Element: BitwiseCopyable>(
        _: Element.Type, kind: UInt8, _ path: WirePath
    ) throws(DecodingError) -> [Element] {
        guard try tag(path) == .packed, try byte(path) == kind else { throw corrupt(path, "expected a packed array of \(Element.self)") }
        return try PackedCodec.read(Element.self, from: self, path: path)
    }

    /// The `Int` at the offset when it is tagged `int`, as `WireEncoder` writes every `Int`;
    /// `nil` (the offset unmoved) for anything else.
    @inline(__always) func taggedInt() -> Int? {
        guard remaining >= 9 else { return nil }
        let value: Int? = bytes.withUnsafeBytes { raw in
            guard raw[offset] == WireTag.int.rawValue else { return nil }
            return Int(exactly: Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 1, as: Int64.self)))
        }
        if value != nil { offset += 9 }
        return value
    }

    func corrupt(_ path: WirePath, _ key: (any CodingKey)?, _ why: String) -> DecodingError {
        corrupt(key.map { WirePath(parent: path, key: $0) } ?? path, why)
    }

    /// Steps over an empty keyed container that a decoder never opened: a struct without
    /// stored properties encodes one (`{}`), but its synthesized `init(from:)` reads nothing.
    private func skipEmptyKeyedContainer() throws(DecodingError) {
        guard remaining >= 5, try peekTag() == .keyed else { return }
        let start = offset
        offset += 1
        if try uint32() != 0 { offset = start }
    }

    func signed(_ path: WirePath, _ key: (any CodingKey)? = nil) throws(DecodingError) -> Int64 {
        switch try tag(path) {
        case .int: return Int64(bitPattern: try uint64(path))
        case .uint:
            let value = try uint64(path)
            guard value <= UInt64(Int64.max) else { throw corrupt(path, key, "number out of range") }
            return Int64(value)
        default: throw corrupt(path, key, "expected an integer")
        }
    }

    func unsigned(_ path: WirePath, _ key: (any CodingKey)? = nil) throws(DecodingError) -> UInt64 {
        switch try tag(path) {
        case .uint: return try uint64(path)
        case .int:
            let value = Int64(bitPattern: try uint64(path))
            guard value >= 0 else { throw corrupt(path, key, "number out of range") }
            return UInt64(value)
        default: throw corrupt(path, key, "expected an integer")
        }
    }

    func exact<T: FixedWidthInteger>(_: T.Type, _ value: some BinaryInteger, _ path: WirePath, _ key: (any CodingKey)? = nil) throws(DecodingError) -> T {
        guard let exact = T(exactly: value) else { throw corrupt(path, key, "number out of range for \(T.self)") }
        return exact
    }

    func bool(_ path: WirePath, _ key: (any CodingKey)? = nil) throws(DecodingError) -> Bool {
        switch try tag(path) {
        case .trueValue: return true
        case .falseValue: return false
        default: throw corrupt(path, key, "expected a Bool")
        }
    }

    func taggedString(_ path: WirePath, _ key: (any CodingKey)? = nil) throws(DecodingError) -> String {
        guard try tag(path) == .string else { throw corrupt(path, key, "expected a string") }
        return try string(path)
    }

    func double(_ path: WirePath, _ key: (any CodingKey)? = nil) throws(DecodingError) -> Double {
        guard try tag(path) == .double else { throw corrupt(path, key, "expected a Double") }
        return Double(bitPattern: try uint64(path))
    }

    func float(_ path: WirePath, _ key: (any CodingKey)? = nil) throws(DecodingError) -> Float {
        guard try tag(path) == .float else { throw corrupt(path, key, "expected a Float") }
        return Float(bitPattern: try uint32(path))
    }
}

struct WireDecoder: Decoder {
    let reader: WireReader
    let path: WirePath
    /// Where this decoder's value starts: asking for a container twice reads it again.
    let start: Int
    var codingPath: [any CodingKey] { path.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(reader: WireReader, path: WirePath) {
        self.reader = reader
        self.path = path
        self.start = reader.offset
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        reader.offset = start
        guard try reader.tag(path) == .keyed else { throw reader.corrupt(path, "expected a keyed container") }
        let count = Int(try reader.uint32(path))
        let first = reader.offset
        for _ in 0..<count {
            reader.offset += try reader.stringLength(path)
            try reader.skipValue()
        }
        return KeyedDecodingContainer(WireKeyedDecoder<Key>(reader: reader, path: path, first: first, count: count, end: reader.offset))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        reader.offset = start
        guard try reader.tag(path) == .array else { throw reader.corrupt(path, "expected an array") }
        let count = Int(try reader.uint32(path))
        guard count <= reader.remaining else { throw reader.corrupt(path, "array longer than the message") }
        return WireUnkeyedDecoder(reader: reader, path: path, count: count)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        reader.offset = start
        return WireSingleValueDecoder(reader: reader, path: path)
    }
}

struct WireSingleValueDecoder: SingleValueDecodingContainer {
    let reader: WireReader
    let path: WirePath
    var codingPath: [any CodingKey] { path.codingPath }

    func decodeNil() -> Bool {
        guard (try? reader.peekTag()) == .null else { return false }
        reader.offset += 1
        return true
    }

    func decode(_ type: Bool.Type) throws -> Bool { try reader.bool(path) }
    func decode(_ type: String.Type) throws -> String { try reader.taggedString(path) }
    func decode(_ type: Double.Type) throws -> Double { try reader.double(path) }
    func decode(_ type: Float.Type) throws -> Float { try reader.float(path) }
    func decode(_ type: Int.Type) throws -> Int { try reader.exact(Int.self, reader.signed(path), path) }
    func decode(_ type: Int8.Type) throws -> Int8 { try reader.exact(Int8.self, reader.signed(path), path) }
    func decode(_ type: Int16.Type) throws -> Int16 { try reader.exact(Int16.self, reader.signed(path), path) }
    func decode(_ type: Int32.Type) throws -> Int32 { try reader.exact(Int32.self, reader.signed(path), path) }
    func decode(_ type: Int64.Type) throws -> Int64 { try reader.signed(path) }
    func decode(_ type: UInt.Type) throws -> UInt { try reader.exact(UInt.self, reader.unsigned(path), path) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try reader.exact(UInt8.self, reader.unsigned(path), path) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try reader.exact(UInt16.self, reader.unsigned(path), path) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try reader.exact(UInt32.self, reader.unsigned(path), path) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try reader.unsigned(path) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try reader.decodeValue(T.self, path: path) }
}

struct WireUnkeyedDecoder: UnkeyedDecodingContainer {
    let reader: WireReader
    let path: WirePath
    let total: Int
    var currentIndex = 0

    init(reader: WireReader, path: WirePath, count: Int) {
        self.reader = reader
        self.path = path
        self.total = count
    }

    var codingPath: [any CodingKey] { path.codingPath }
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
        let reader = try next()
        let value = try reader.decodeValue(T.self, path: path)
        reader.releaseConsumed()
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try WireDecoder(reader: try next(), path: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try WireDecoder(reader: try next(), path: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { WireDecoder(reader: try next(), path: path) }
}
