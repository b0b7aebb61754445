/// A growing byte buffer for frames (`WireMessage`).
final class WireBuffer {
    var bytes: [UInt8] = []

    func append(_ byte: UInt8) { bytes.append(byte) }
    func appendUInt32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    func appendUInt64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    func patchUInt32(_ value: UInt32, at offset: Int) {
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self) }
    }
    func appendString(_ string: String) {
        var string = string
        string.withUTF8 { utf8 in
            appendUInt32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }
}

/// The growing bytes of one encoding, shared by an encoder and its containers. Small values
/// are stored into zero-filled slack past `count` (appending them to a `[UInt8]` through
/// `withUnsafeBytes` was the largest single cost of encoding a struct); large blocks are
/// appended as they are, and the array is handed out without a copy.
final class WireWriter {
    // Unchecked: one encoder owns the writer and uses it from one thread.
    @exclusivity(unchecked) private var storage: [UInt8] = []
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) var plainTypes = PlainTypes()

    /// The bytes written; the writer is empty afterwards.
    func take() -> [UInt8] {
        storage.removeLast(storage.count - count)
        defer {
            storage = []
            count = 0
        }
        return storage
    }

    @inline(__always) private func reserve(_ extra: Int) {
        if count + extra > storage.count { grow(extra) }
    }

    /// Zero-fills at most 1 MiB more than asked for: the array's own growth keeps appends
    /// amortized, and a large payload is not followed by as many zeros.
    private func grow(_ extra: Int) {
        let slack = min(max(storage.count, 256), 1 << 20)
        storage.append(contentsOf: repeatElement(0, count: count + max(extra, slack) - storage.count))
    }

    @inline(__always) private func store<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        storage.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self) }
    }

    @inline(__always) func append(_ byte: UInt8) {
        reserve(1)
        store(byte, at: count)
        count += 1
    }
    func append(contentsOf raw: UnsafeRawBufferPointer) {
        if raw.count >= 1 << 16 {
            // A large block goes straight in: no zero-filling first.
            storage.removeLast(storage.count - count)
            storage.append(contentsOf: raw)
            count = storage.count
            return
        }
        reserve(raw.count)
        let at = count
        storage.withUnsafeMutableBytes { target in
            if let source = raw.baseAddress { (target.baseAddress! + at).copyMemory(from: source, byteCount: raw.count) }
        }
        count += raw.count
    }
    @inline(__always) func appendUInt32(_ value: UInt32) {
        reserve(4)
        store(value, at: count)
        count += 4
    }
    @inline(__always) func appendTagged(_ tag: WireTag, _ value: UInt64) {
        reserve(9)
        store(tag.rawValue, at: count)
        store(value, at: count + 1)
        count += 9
    }
    /// Writes a field's key as a keyed container's entry starts: its length, then its UTF-8,
    /// in one step (one capacity check, no `memcpy` call for a short name).
    @inline(__always) func appendKey(_ key: StaticString) {
        appendKey(key, then: 0) { _ in }
    }
    /// Writes a field's key and then a number of `valueBytes` that `value` stores into the
    /// buffer it is given, in one step.
    @inline(__always) func appendKey(_ key: StaticString, then valueBytes: Int, _ value: (UnsafeMutableRawPointer) -> Void) {
        let length = key.utf8CodeUnitCount
        reserve(4 + length + valueBytes)
        let at = count
        storage.withUnsafeMutableBytes { raw in
            let target = raw.baseAddress! + at
            target.storeBytes(of: UInt32(length).littleEndian, toByteOffset: 0, as: UInt32.self)
            let source = key.utf8Start
            for index in 0..<length { target.storeBytes(of: source[index], toByteOffset: 4 + index, as: UInt8.self) }
            value(target + 4 + length)
        }
        count = at + 4 + length + valueBytes
    }
    /// Writes a field's key and a tagged 64-bit value.
    @inline(__always) func appendKey(_ key: StaticString, tagged tag: WireTag, _ bits: UInt64) {
        appendKey(key, then: 9) { target in
            target.storeBytes(of: tag.rawValue, as: UInt8.self)
            target.storeBytes(of: bits.littleEndian, toByteOffset: 1, as: UInt64.self)
        }
    }
    /// The count of the container whose count is at `offset`.
    func containerCount(at offset: Int) -> Int {
        storage.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
    }
    /// Sets the count of the container whose count is at `offset`.
    @inline(__always) func patchCount(_ value: UInt32, at offset: Int) { store(value, at: offset) }
    /// Adds one to the count of the container whose count is at `offset`.
    @inline(__always) func incrementCount(at offset: Int) {
        storage.withUnsafeMutableBytes { raw in
            let count = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            raw.storeBytes(of: (count &+ 1).littleEndian, toByteOffset: offset, as: UInt32.self)
        }
    }
    /// Writes `array` as a packed block: tag, `kind` byte, count, the raw elements.
    @inline(__always) func appendPacked<Element: BitwiseCopyable>(_ array: [Element], kind: UInt8) {
        append(WireTag.packed.rawValue)
        append(kind)
        appendUInt32(UInt32(array.count))
        array.withUnsafeBytes { append(contentsOf: $0) }
    }
    @inline(__always) func appendString(_ string: String) {
        var string = string
        string.withUTF8 { utf8 in
            appendUInt32(UInt32(utf8.count))
            append(contentsOf: UnsafeRawBufferPointer(utf8))
        }
    }
    /// Writes `value` without an encoder when it is a number, string, Bool or packed array;
    /// returns whether it did. Pointer comparisons of metatypes: no casts, no allocations.
    @inline(__always) func appendDirect<T: Encodable>(_ value: T) -> Bool {
        if T.self == Int.self {
            appendTagged(.int, UInt64(bitPattern: Int64(unsafeBitCast(value, to: Int.self))))
        } else if T.self == Double.self {
            appendTagged(.double, unsafeBitCast(value, to: Double.self).bitPattern)
        } else if T.self == String.self {
            append(WireTag.string.rawValue)
            appendString(unsafeBitCast(value, to: String.self))
        } else if T.self == Bool.self {
            append(unsafeBitCast(value, to: Bool.self) ? WireTag.trueValue.rawValue : WireTag.falseValue.rawValue)
        } else if let (kind, codec) = PackedCodec.of(T.self) {
            withUnsafePointer(to: value) { codec.write(UnsafeRawPointer($0), kind, self) }
        } else {
            return false
        }
        return true
    }
}

final class WireEncoder: Encoder {
    let buffer: WireWriter
    var path: WirePath
    var codingPath: [any CodingKey] { path.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// Where the count of the container this encoder opened is, so that asking twice returns the same one.
    private var keyedCount: Int?
    private var unkeyedCount: Int?

    init(buffer: WireWriter = WireWriter(), path: WirePath = .root) {
        self.buffer = buffer
        self.path = path
    }

    /// Encodes one value at this position; a value that encodes nothing becomes an empty keyed container.
    func encodeValue<T: Encodable>(_ value: T) throws {
        if buffer.appendDirect(value) { return }
        if !buffer.plainTypes.contains(T.self) {
            if let fields = value as? any WireFields { return try encodeFields(fields) }
            if let array = value as? any WireFieldsArray { return try array.encodeFieldsArray(with: self) }
            buffer.plainTypes.insert(T.self)
        }
        let before = buffer.count
        try value.encode(to: self)
        if buffer.count == before {
            buffer.append(WireTag.keyed.rawValue)
            buffer.appendUInt32(0)
        }
    }

    /// Makes this encoder new at `path`, to encode one more value (it is reused when no one kept it).
    func reset(path: WirePath) {
        self.path = path
        keyedCount = nil
        unkeyedCount = nil
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if keyedCount == nil {
            buffer.append(WireTag.keyed.rawValue)
            keyedCount = buffer.count
            buffer.appendUInt32(0)
        }
        return KeyedEncodingContainer(WireKeyedEncoder<Key>(encoder: self, countOffset: keyedCount!))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if unkeyedCount == nil {
            buffer.append(WireTag.array.rawValue)
            unkeyedCount = buffer.count
            buffer.appendUInt32(0)
        }
        return WireUnkeyedEncoder(encoder: self, countOffset: unkeyedCount!)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { WireSingleValue(encoder: self) }

    func child(_ key: (any CodingKey)?) -> WireEncoder {
        WireEncoder(buffer: buffer, path: key.map { WirePath(parent: path, key: $0) } ?? path)
    }
}

struct WireSingleValue: SingleValueEncodingContainer {
    let encoder: WireEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }
    private var buffer: WireWriter { encoder.buffer }

    mutating func encodeNil() throws { buffer.append(WireTag.null.rawValue) }
    mutating func encode(_ value: Bool) throws { buffer.append(value ? WireTag.trueValue.rawValue : WireTag.falseValue.rawValue) }
    mutating func encode(_ value: String) throws {
        buffer.append(WireTag.string.rawValue)
        buffer.appendString(value)
    }
    mutating func encode(_ value: Double) throws { buffer.appendTagged(.double, value.bitPattern) }
    mutating func encode(_ value: Float) throws {
        buffer.append(WireTag.float.rawValue)
        buffer.appendUInt32(value.bitPattern)
    }
    mutating func encode(_ value: Int) throws { buffer.appendTagged(.int, UInt64(bitPattern: Int64(value))) }
    mutating func encode(_ value: Int8) throws { buffer.appendTagged(.int, UInt64(bitPattern: Int64(value))) }
    mutating func encode(_ value: Int16) throws { buffer.appendTagged(.int, UInt64(bitPattern: Int64(value))) }
    mutating func encode(_ value: Int32) throws { buffer.appendTagged(.int, UInt64(bitPattern: Int64(value))) }
    mutating func encode(_ value: Int64) throws { buffer.appendTagged(.int, UInt64(bitPattern: value)) }
    mutating func encode(_ value: UInt) throws { buffer.appendTagged(.uint, UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { buffer.appendTagged(.uint, UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { buffer.appendTagged(.uint, UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { buffer.appendTagged(.uint, UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { buffer.appendTagged(.uint, value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try encoder.encodeValue(value) }
}

/// A keyed container: each entry is the key's UTF-8 (length first, no tag) and the value.
/// Numbers, strings and packed arrays are written straight into the buffer; other values get
/// a child encoder, reused from entry to entry when the value did not keep it.
struct WireKeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: WireEncoder
    let countOffset: Int
    var codingPath: [any CodingKey] { encoder.codingPath }
    private var buffer: WireWriter { encoder.buffer }

    @inline(__always) private func key(_ key: Key) -> WireWriter {
        buffer.incrementCount(at: countOffset)
        buffer.appendString(key.stringValue)
        return buffer
    }

    private func child(_ key: Key) -> WireEncoder { encoder.child(key) }

    mutating func encodeNil(forKey key: Key) throws { self.key(key).append(WireTag.null.rawValue) }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        self.key(key).append(value ? WireTag.trueValue.rawValue : WireTag.falseValue.rawValue)
    }
    mutating func encode(_ value: String, forKey key: Key) throws {
        self.key(key).append(WireTag.string.rawValue)
        buffer.appendString(value)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { self.key(key).appendTagged(.int, UInt64(bitPattern: Int64(value))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { self.key(key).appendTagged(.int, UInt64(bitPattern: value)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { self.key(key).appendTagged(.uint, value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { self.key(key).appendTagged(.double, value.bitPattern) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if self.key(key).appendDirect(value) { return }
        try child(key).encodeValue(value)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        _ = self.key(key)
        return child(key).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        _ = self.key(key)
        return child(key).unkeyedContainer()
    }
    /// Under the key "super" (which `Key` need not have).
    mutating func superEncoder() -> any Encoder {
        buffer.incrementCount(at: countOffset)
        buffer.appendString(WireKey.superKey.stringValue)
        return encoder.child(WireKey.superKey)
    }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        _ = self.key(key)
        return child(key)
    }
}

struct WireUnkeyedEncoder: UnkeyedEncodingContainer {
    let encoder: WireEncoder
    let countOffset: Int
    /// The encoder of the latest element that was not a number, string or packed array.
    private var spare: WireEncoder?
    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int {
        encoder.buffer.containerCount(at: countOffset)
    }

    init(encoder: WireEncoder, countOffset: Int) {
        self.encoder = encoder
        self.countOffset = countOffset
    }

    private var buffer: WireWriter { encoder.buffer }

    /// An encoder for the next element: the previous one if nothing else kept it.
    private mutating func elementEncoder() -> WireEncoder {
        if spare != nil, isKnownUniquelyReferenced(&spare!) {
            spare!.reset(path: encoder.path)
            return spare!
        }
        let fresh = encoder.child(nil)
        spare = fresh
        return fresh
    }

    /// An encoder for a container or encoder handed out: never reused.
    private func handedOut() -> WireEncoder {
        buffer.incrementCount(at: countOffset)
        return encoder.child(nil)
    }

    mutating func encodeNil() throws {
        buffer.incrementCount(at: countOffset)
        buffer.append(WireTag.null.rawValue)
    }
    mutating func encode<T: Encodable>(_ value: T) throws {
        buffer.incrementCount(at: countOffset)
        if buffer.appendDirect(value) { return }
        try elementEncoder().encodeValue(value)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        handedOut().container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { handedOut().unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { handedOut() }
}

/// A coding key known by its name only: the key `superEncoder()` and `superDecoder()` use (as
/// Foundation's coders do), and a `WireFields` field's in coding paths of errors.
struct WireKey: CodingKey {
    static let superKey = WireKey(stringValue: "super")
    let stringValue: String
    var intValue: Int? { nil }
    init(_ key: StaticString) { stringValue = key.description }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
