/// Reads the stored properties of a ``WireFields`` struct, one call per property, in the order
/// they were written. Each call checks that the next entry of the container has the key it
/// names; when one does not (another order, another build's fields), reading throws and the
/// struct is decoded through its `init(from:)` instead, by key. A conformance needs no code
/// for that: it only calls the methods in declaration order.
public struct WireFieldReader: ~Copyable {
    let reader: WireReader
    let path: WirePath
    /// Entries in the container.
    let count: Int
    /// Entries read.
    private(set) var consumed = 0

    init(reader: WireReader, path: WirePath, count: Int) {
        self.reader = reader
        self.path = path
        self.count = count
    }

    /// Whether the next entry's key is `key`; moves past the key when it is.
    @inline(__always) private mutating func nextKeyIs(_ key: StaticString) throws(DecodingError) -> Bool {
        guard consumed < count else { return false }
        let start = reader.offset
        let length = try reader.stringLength(path)
        guard length == key.utf8CodeUnitCount, reader.bytesMatch(at: reader.offset, key.utf8Start, length) else {
            reader.offset = start
            return false
        }
        reader.offset += length
        consumed += 1
        return true
    }

    @inline(__always) private mutating func key(_ key: StaticString) throws(DecodingError) {
        guard try nextKeyIs(key) else { throw reader.corrupt(path, "expected the field \(key) next") }
    }

    /// Reads the `Int` under `key`.
    public mutating func read(_ type: Int.Type, forKey key: StaticString) throws(DecodingError) -> Int {
        try self.key(key)
        // Every `Int` is written tagged `int`; anything else is read again the long way.
        guard let value = reader.taggedInt() else { throw reader.corrupt(path, "expected an Int") }
        return value
    }

    /// Reads the `Double` under `key`.
    public mutating func read(_ type: Double.Type, forKey key: StaticString) throws(DecodingError) -> Double {
        try self.key(key)
        return try reader.double(path)
    }

    /// Reads the `Bool` under `key`.
    public mutating func read(_ type: Bool.Type, forKey key: StaticString) throws(DecodingError) -> Bool {
        try self.key(key)
        return try reader.bool(path)
    }

    /// Reads the `String` under `key`.
    public mutating func read(_ type: String.Type, forKey key: StaticString) throws(DecodingError) -> String {
        try self.key(key)
        return try reader.taggedString(path)
    }

    /// Reads the `[Int]` under `key`.
    public mutating func read(_ type: [Int].Type, forKey key: StaticString) throws(DecodingError) -> [Int] {
        try self.key(key)
        return try reader.packedElements(Int.self, kind: PackedCodec.intKind, path)
    }

    /// Reads the `[Double]` under `key`.
    public mutating func read(_ type: [Double].Type, forKey key: StaticString) throws(DecodingError) -> [Double] {
        try self.key(key)
        return try reader.packedElements(Double.self, kind: PackedCodec.doubleKind, path)
    }

    /// Reads the `T` under `key`: in place when it is a number, string, Bool or array of
    /// numbers, else through its `init(from:)`.
    public mutating func read<T: Decodable>(_ type: T.Type, forKey key: StaticString) throws(DecodingError) -> T {
        try self.key(key)
        return try value(T.self, key)
    }

    /// Reads the `T` under `key` if the next entry has that key, as synthesized `Codable`
    /// reads an optional property (`decodeIfPresent`); a written `nil` reads as `nil`.
    public mutating func readIfPresent<T: Decodable>(_ type: T.Type, forKey key: StaticString) throws(DecodingError) -> T? {
        guard try nextKeyIs(key) else { return nil }
        if try reader.peekTag(path) == .null, !(T.self is any WireOptional.Type) {
            reader.offset += 1
            return nil
        }
        return try value(T.self, key)
    }

    private func value<T: Decodable>(_ type: T.Type, _ key: StaticString) throws(DecodingError) -> T {
        do {
            // A value read in place needs no key: were it corrupt, the struct is read again
            // through `init(from:)`, whose error names the key.
            if let (kind, codec) = PackedCodec.of(T.self), try reader.peekTag(path) == .packed {
                return try reader.packed(T.self, kind, codec, path, nil)
            }
            return try reader.decodeValue(T.self, path: path, key: WireKey(key))
        } catch let error as DecodingError {
            throw error
        } catch {
            throw reader.corrupt(WirePath(parent: path, key: WireKey(key)), "\(error)")
        }
    }
}
