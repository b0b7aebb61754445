/// An `Encoder` whose bytes depend only on the value: the same value gives the same bytes in
/// every process, run and build — what a cache key needs, and what ``Memory`` hashes.
///
/// `JSONEncoder` and the project's wire coder write a dictionary or a set in its hash order,
/// which Swift seeds per process, so the same input would give another key in the next run.
/// Here:
///
/// - a keyed container's entries are written sorted by key (so a struct's fields, and a
///   `[String: V]` or `[Int: V]`, which Swift encodes through keyed containers, are canonical);
/// - any other `Dictionary`'s entries and a `Set`'s elements are written sorted by their own
///   canonical bytes;
/// - integers are written as 8 bytes little-endian whatever their width (`Int` and `Int64` of one
///   value agree), floating-point numbers by their bit pattern;
/// - a contiguous array of plain numbers (`[Double]`, `[Int32]`, …) is written from its bytes:
///   under 4 KiB as they are, above as their SHA-256, without an element-wise encode;
/// - a value that lives in shared memory (`SharedInputArray`, `SharedArray`, `SharedValue`) is
///   written by its contents, never its segment's name; one whose contents cannot be read
///   (`ProcessLock`, `ProcessQueue`) is refused with ``MemoryError/Code/unkeyable``.
///
/// ```swift
/// let one = try CanonicalEncoder.encode(["b": 2, "a": 1])
/// let two = try CanonicalEncoder.encode(["a": 1, "b": 2])
/// assert(one == two)
/// ```
public struct CanonicalEncoder: Encoder {
    public var codingPath: [any CodingKey]
    public var userInfo: [CodingUserInfoKey: Any] { [:] }
    let slot: CanonicalSlot

    init(codingPath: [any CodingKey], slot: CanonicalSlot) {
        self.codingPath = codingPath
        self.slot = slot
    }

    /// The canonical bytes of `value`.
    ///
    /// - Throws: ``MemoryError`` with ``MemoryError/Code/unkeyable`` for a value whose contents
    ///   cannot be read, or whose `encode(to:)` threw.
    public static func encode<T: Encodable>(_ value: T) throws(MemoryError) -> [UInt8] {
        var bytes: [UInt8] = []
        try encode(value, into: &bytes)
        return bytes
    }

    /// Appends the canonical bytes of `value` to `bytes`.
    static func encode<T: Encodable>(_ value: T, into bytes: inout [UInt8]) throws(MemoryError) {
        do {
            try CanonicalSlot.make(value, codingPath: []).write(into: &bytes)
        } catch let error as MemoryError {
            throw error
        } catch {
            throw MemoryError(.unkeyable, "\(String(reflecting: T.self)) could not be encoded for a key: \(error)")
        }
    }

    public func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(CanonicalKeyedContainer<Key>(codingPath: codingPath, box: slot.keyed()))
    }

    public func unkeyedContainer() -> any UnkeyedEncodingContainer {
        CanonicalUnkeyedContainer(codingPath: codingPath, box: slot.unkeyed())
    }

    public func singleValueContainer() -> any SingleValueEncodingContainer {
        CanonicalSingleValueContainer(codingPath: codingPath, slot: slot)
    }
}

/// One encoded value, as a tree whose keyed entries are sorted when it is written.
final class CanonicalSlot {
    enum Content {
        case empty
        case bytes([UInt8])
        case keyed(CanonicalKeyedBox)
        case unkeyed(CanonicalUnkeyedBox)
    }

    private(set) var content = Content.empty

    /// Tags, one byte before each value.
    enum Tag: UInt8 {
        case nilValue = 0, bool, integer, unsigned, float, double, string, keyed, unkeyed, sorted, plain, plainDigest,
            empty, contents
    }

    init() {}

    init(bytes: [UInt8]) { content = .bytes(bytes) }

    func set(_ bytes: [UInt8]) { content = .bytes(bytes) }

    /// The keyed box of this value: one, even when `container(keyedBy:)` is asked for twice.
    func keyed() -> CanonicalKeyedBox {
        if case .keyed(let box) = content { return box }
        let box = CanonicalKeyedBox()
        content = .keyed(box)
        return box
    }

    func unkeyed() -> CanonicalUnkeyedBox {
        if case .unkeyed(let box) = content { return box }
        let box = CanonicalUnkeyedBox()
        content = .unkeyed(box)
        return box
    }

    /// The slot of `value`: the special cases first (shared memory, plain arrays, dictionaries,
    /// sets: ``CanonicallyKeyed``), then the value's own `encode(to:)`.
    static func make<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> CanonicalSlot {
        let slot = CanonicalSlot()
        if let special = value as? any CanonicallyKeyed {
            var bytes: [UInt8] = []
            try special.writeCanonicalContents(into: &bytes, codingPath: codingPath)
            slot.content = .bytes(bytes)
            return slot
        }
        try value.encode(to: CanonicalEncoder(codingPath: codingPath, slot: slot))
        return slot
    }

    func write(into bytes: inout [UInt8]) {
        switch content {
        case .bytes(let value): bytes.append(contentsOf: value)
        case .empty: bytes.append(Tag.empty.rawValue)
        case .keyed(let box):
            bytes.append(Tag.keyed.rawValue)
            Self.appendLength(box.entries.count, to: &bytes)
            for (key, slot) in box.entries.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                Self.appendString(key, to: &bytes)
                slot.write(into: &bytes)
            }
        case .unkeyed(let box):
            bytes.append(Tag.unkeyed.rawValue)
            Self.appendLength(box.elements.count, to: &bytes)
            for element in box.elements { element.write(into: &bytes) }
        }
    }

    /// `written`, each one value's bytes, sorted by those bytes (a set's elements, a
    /// dictionary's entries).
    static func appendSorted(_ written: [[UInt8]], to bytes: inout [UInt8]) {
        bytes.append(Tag.sorted.rawValue)
        appendLength(written.count, to: &bytes)
        for entry in written.sorted(by: { $0.lexicographicallyPrecedes($1) }) { bytes.append(contentsOf: entry) }
    }

    static func appendLength(_ length: Int, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: UInt64(length).littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func appendString(_ string: String, to bytes: inout [UInt8]) {
        var string = string
        string.withUTF8 { utf8 in
            appendLength(utf8.count, to: &bytes)
            bytes.append(contentsOf: utf8)
        }
    }

    static func tagged(_ tag: Tag, _ word: UInt64) -> [UInt8] {
        var bytes: [UInt8] = [tag.rawValue]
        withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Plain numbers: under this many bytes written as they are, above as their SHA-256.
    static let plainInlineLimit = 4096

    /// A plain array: its element type, count and bytes (or their SHA-256, when large).
    static func appendPlain(_ raw: UnsafeRawBufferPointer, count: Int, elementType: String, to bytes: inout [UInt8]) {
        let inline = raw.count < plainInlineLimit
        bytes.append((inline ? Tag.plain : Tag.plainDigest).rawValue)
        appendString(elementType, to: &bytes)
        appendLength(count, to: &bytes)
        if inline {
            bytes.append(contentsOf: raw)
        } else {
            bytes.append(contentsOf: PlainDigest.sha256(raw))
        }
    }
}

final class CanonicalKeyedBox {
    var entries: [String: CanonicalSlot] = [:]
}

final class CanonicalUnkeyedBox {
    var elements: [CanonicalSlot] = []
}
