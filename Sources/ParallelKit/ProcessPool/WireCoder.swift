/// A compact binary `Codable` format for what crosses a process boundary.
///
/// Chosen by measurement (2 cores here, encode + decode): a 3-field struct costs 8.5 µs with
/// Foundation's `JSONEncoder` and 16.8 µs as a binary property list; 10,000 `Int`s cost 7.0 ms
/// and 16.7 ms. This format writes each value with a one-byte tag, strings and containers with
/// a length, and arrays of plain numbers (`[Int]`, `[Double]`, …) as one packed block.
///
/// Layout (little-endian): `0` nil, `1` false, `2` true, `3` Int64, `4` UInt64, `5` Double,
/// `6` Float, `7` string (UInt32 length, UTF-8), `8` array (UInt32 count, elements),
/// `9` keyed (UInt32 count, then key string without tag and value), `10` packed
/// (UInt8 element kind, UInt32 count, raw bytes).
///
/// The decoder trusts nothing: every length is checked against the bytes left before anything
/// is allocated, and malformed input throws `DecodingError`, never traps.
///
/// Structs are where the time goes, so both sides keep them cheap (measured with callgrind on
/// 20,000 `{row: [Int], minimum, maximum}` structs, encode + decode, five times: 34,000 instructions a
/// struct before, 12,800 after; bare `[Int]` rows 6,700 → 3,700). Numbers, strings, Bools and
/// packed arrays are written and read in place, found by comparing metatypes (`PackedCodec.of`),
/// not by a conformance cast; no field gets an encoder, a coding-path array or a dictionary
/// entry (`WirePath` is built only when asked for); a keyed lookup starts where the previous
/// one ended, so synthesized `Codable` (which asks in the written order) finds each key at the
/// first comparison, and keys asked in another order, or missing, are found by scanning the
/// container. Keys stay names, so a peer of another build with other fields decodes by key or
/// throws `keyNotFound`, never mixes fields up.
///
/// Part of the `@_spi(Backend)` surface: a backend in another module encodes its batches with it.
@_spi(Backend) public enum WireCoder {
    /// Encodes `value`.
    public static func encode<T: Encodable>(_ value: T) throws(EncodingError) -> [UInt8] {
        let encoder = WireEncoder()
        do {
            try encoder.encodeValue(value)
        } catch let error as EncodingError {
            throw error
        } catch {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(error)"))
        }
        return encoder.buffer.take()
    }

    /// Decodes a `T` from `bytes`, which must hold exactly one value.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(DecodingError) -> T {
        try decode(type, reader: WireReader(bytes))
    }

    /// Decodes a `T` from `bytes` as ``decode(_:from:)`` does, handing the pages it has passed
    /// back to the kernel as it goes: a large result of strings or structs then costs about its
    /// decoded size, not that plus its encoded size. `bytes` is used up: pass it with `consume`
    /// (a copy still held elsewhere would make the release copy it instead).
    static func decode<T: Decodable>(_ type: T.Type, consuming bytes: consuming [UInt8]) throws(DecodingError) -> T {
        let reader = WireReader(consume bytes)
        reader.releasesConsumed = true
        return try decode(type, reader: reader)
    }

    private static func decode<T: Decodable>(_ type: T.Type, reader: WireReader) throws(DecodingError) -> T {
        do {
            let value = try reader.decodeValue(T.self, path: .root)
            guard reader.remaining == 0 else {
                let why = "\(reader.remaining) bytes after the value"
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: why))
            }
            return value
        } catch let error as DecodingError {
            throw error
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(error)"))
        }
    }
}


enum WireTag: UInt8 {
    case null = 0, falseValue, trueValue, int, uint, double, float, string, array, keyed, packed
}

/// How arrays of one element type are written as one packed block of raw elements.
struct PackedCodec: Sendable {
    /// `[Element]`.
    let arrayType: ObjectIdentifier
    let stride: Int
    /// Writes the `[Element]` at the pointer (tag, kind byte, count, raw elements).
    let write: @Sendable (UnsafeRawPointer, UInt8, WireWriter) -> Void
    /// Reads the block after the kind byte into the uninitialized `[Element]` at the pointer.
    let read: @Sendable (WireReader, WirePath, UnsafeMutableRawPointer) throws(DecodingError) -> Void

    @inline(__always)
    init<Element: BitwiseCopyable & Codable & SendableMetatype>(_: Element.Type) {
        arrayType = ObjectIdentifier([Element].self)
        stride = MemoryLayout<Element>.stride
        write = { array, kind, buffer in
            buffer.appendPacked(array.load(as: [Element].self), kind: kind)
        }
        read = { reader, path, target throws(DecodingError) in
            target.initializeMemory(as: [Element].self, to: try Self.read(Element.self, from: reader, path: path))
        }
    }

    /// The elements of a packed block, read from just after its kind byte.
    static func read<Element: BitwiseCopyable>(
        _: Element.Type, from reader: WireReader, path: WirePath
    ) throws(DecodingError) -> [Element] {
        let count = Int(try reader.uint32(path))
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Element>.stride)
        guard !overflow, byteCount <= reader.remaining else { throw reader.corrupt(path, "packed array longer than the message") }
        let start = reader.offset
        reader.offset += byteCount
        // Only 0 and 1 are valid Bool bytes.
        if Element.self == Bool.self, !reader.bytes[start..<(start + byteCount)].allSatisfy({ $0 <= 1 }) {
            throw reader.corrupt(path, "invalid Bool in packed array")
        }
        if count <= UnalignedElements<Element>.smallCount {
            return reader.bytes.withUnsafeBytes { Array(UnalignedElements<Element>(base: $0.baseAddress! + start, count: count)) }
        }
        return reader.bytes.withUnsafeBytes { source in
            [Element](unsafeUninitializedCapacity: count) { target, initialized in
                UnsafeMutableRawBufferPointer(target).copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<(start + byteCount)]))
                initialized = count
            }
        }
    }

    /// The element types whose arrays are packed, in the order of their kind byte: the one list
    /// of them (`[T]` of any other `T` is an array of tagged values).
    static let all: [PackedCodec] = [
        PackedCodec(Int.self), PackedCodec(Int8.self), PackedCodec(Int16.self), PackedCodec(Int32.self),
        PackedCodec(Int64.self), PackedCodec(UInt.self), PackedCodec(UInt8.self), PackedCodec(UInt16.self),
        PackedCodec(UInt32.self), PackedCodec(UInt64.self), PackedCodec(Float.self), PackedCodec(Double.self),
        PackedCodec(Bool.self),
    ]

    /// The kind bytes of `[Int]` and `[Double]` (their places in ``all``).
    static let intKind: UInt8 = 0
    static let doubleKind: UInt8 = 11
    private static let intArray = PackedCodec(Int.self)
    private static let doubleArray = PackedCodec(Double.self)
    /// `[Int]` and `[Double]`, looked up once: naming `[Int].self` in code that is not
    /// specialized asks the runtime for the metadata on every call.
    private static let intArrayType = ObjectIdentifier([Int].self)
    private static let doubleArrayType = ObjectIdentifier([Double].self)

    /// Bytes per element of packed arrays of each kind (`nil`: no such kind), for skipping one.
    @inline(__always)
    static func stride(ofKind kind: UInt8) -> Int? {
        switch kind {
        case 0, 4, 5, 9, 11: return 8
        case 3, 8, 10: return 4
        case 2, 7: return 2
        case 1, 6, 12: return 1
        default: return nil
        }
    }

    /// The codec and kind byte of `T` when `T` is a packed array: pointer comparisons, no
    /// conformance lookup.
    @inline(__always)
    static func of<T>(_ type: T.Type) -> (kind: UInt8, codec: PackedCodec)? {
        // The common ones without touching the table.
        let id = ObjectIdentifier(T.self)
        if id == intArrayType { return (intKind, intArray) }
        if id == doubleArrayType { return (doubleKind, doubleArray) }
        for (kind, codec) in all.enumerated() where codec.arrayType == id { return (UInt8(kind), codec) }
        return nil
    }
}

/// `count` elements stored one after another, unaligned, at `base`: what a small packed array
/// is copied out of. `Array(_:)` of a collection allocates its buffer in code specialized for
/// the element; `Array(unsafeUninitializedCapacity:)` calls into the standard library, which
/// looks up the buffer's generic metadata on every call (about 650 instructions here, a third
/// of decoding a row of five `Int`s).
struct UnalignedElements<Element: BitwiseCopyable>: RandomAccessCollection {
    /// Up to this many elements, copying one by one costs less than that lookup.
    static var smallCount: Int { 256 }

    let base: UnsafeRawPointer
    let count: Int
    var startIndex: Int { 0 }
    var endIndex: Int { count }
    subscript(index: Int) -> Element { base.loadUnaligned(fromByteOffset: index * MemoryLayout<Element>.stride, as: Element.self) }
}

/// The types one encoding or decoding has found not to be `WireFields` or arrays of them: each
/// is asked about once, since a dynamic cast costs more (about 600 instructions here) than
/// writing a small struct's fields, and a plain `Codable` array asks for every element.
struct PlainTypes {
    private var types: [ObjectIdentifier] = []

    @inline(__always) func contains(_ type: Any.Type) -> Bool {
        let id = ObjectIdentifier(type)
        for known in types where known == id { return true }
        return false
    }

    /// Remembers `type`; only the first few, so that a value of many types is not scanned long.
    mutating func insert(_ type: Any.Type) {
        if types.count < 16 { types.append(ObjectIdentifier(type)) }
    }
}

/// The coding path of a value being encoded or decoded, built only when asked for (an error,
/// a custom `Codable` reading `codingPath`): a parent and a key, shared, not an array a field.
final class WirePath: @unchecked Sendable {
    // @unchecked: immutable after init.
    let parent: WirePath?
    let key: (any CodingKey)?

    static let root = WirePath(parent: nil, key: nil)

    init(parent: WirePath?, key: (any CodingKey)?) {
        self.parent = parent
        self.key = key
    }

    var codingPath: [any CodingKey] {
        var keys: [any CodingKey] = []
        var node: WirePath? = self
        while let current = node {
            if let key = current.key { keys.append(key) }
            node = current.parent
        }
        return keys.reversed()
    }
}
