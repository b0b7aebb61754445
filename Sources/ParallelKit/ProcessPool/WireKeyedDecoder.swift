/// A keyed container being decoded: entries (key, value) between `first` and `end`, checked
/// when it was opened. Lookups start where the previous one ended (`WireReader.keyHint`).
struct WireKeyedDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let reader: WireReader
    let path: WirePath
    let first: Int
    let count: Int
    /// Where the container ends: the reader is left here after every lookup.
    let end: Int

    var codingPath: [any CodingKey] { path.codingPath }

    /// The keys in the order they were written (a dictionary decodes in this order, which
    /// makes each of its lookups hit at the first comparison).
    var allKeys: [Key] {
        var keys: [Key] = []
        var position = first
        while position < end, let (name, next) = try? entry(at: position) {
            if let key = Key(stringValue: name) { keys.append(key) }
            position = next
        }
        reader.offset = end
        return keys
    }

    func contains(_ key: Key) -> Bool {
        defer { reader.offset = end }
        return (try? find(key)) != nil
    }

    /// The key of the entry at `position` and where the next entry starts.
    private func entry(at position: Int) throws(DecodingError) -> (String, Int) {
        reader.offset = position
        let name = try reader.string(path)
        try reader.skipValue()
        return (name, reader.offset)
    }

    /// Where the value of `key` starts and where the entry after it starts; `nil` when the
    /// container has no such key.
    private func find(_ key: Key) throws(DecodingError) -> (value: Int, next: Int)? {
        try reader.findKey(key.stringValue, first: first, count: count, end: end, path: path)
    }

    private func keyNotFound(_ key: Key) -> DecodingError {
        reader.offset = end
        return DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no value for \(key.stringValue)"))
    }

    /// Moves the reader to the value of `key`; `leave(_:)` with the result when done with it.
    private func enter(_ key: Key) throws(DecodingError) -> Int {
        guard let (value, next) = try find(key) else { throw keyNotFound(key) }
        reader.offset = value
        reader.keyedDepth += 1
        return next
    }

    private func leave(_ next: Int) {
        reader.keyedDepth -= 1
        reader.offset = end
        reader.keyHint = (first, next)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let (value, _) = try find(key) else { throw keyNotFound(key) }
        defer { reader.offset = end }
        reader.offset = value
        return try reader.peekTag(path) == .null
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        let next = try enter(key)
        defer { leave(next) }
        return try reader.bool(path, key)
    }
    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        let next = try enter(key)
        defer { leave(next) }
        return try reader.taggedString(path, key)
    }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        let next = try enter(key)
        defer { leave(next) }
        return try reader.double(path, key)
    }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
        let next = try enter(key)
        defer { leave(next) }
        return try reader.exact(Int.self, reader.signed(path, key), path, key)
    }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let next = try enter(key)
        defer { leave(next) }
        return try reader.decodeValue(T.self, path: path, key: key)
    }

    /// One lookup instead of the three (`contains`, `decodeNil`, `decode`) of the default. A
    /// written `nil` of an optional `T` (`Int??` holding `.some(nil)`) decodes as that `T`.
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let (value, next) = try find(key) else {
            reader.offset = end
            return nil
        }
        reader.offset = value
        if try reader.peekTag(path) == .null, !(T.self is any WireOptional.Type) {
            reader.offset = end
            reader.keyHint = (first, next)
            return nil
        }
        reader.keyedDepth += 1
        defer { leave(next) }
        return try reader.decodeValue(T.self, path: path, key: key)
    }

    private func at<T>(_ key: Key, _ body: (WireReader) throws -> T) throws -> T {
        let next = try enter(key)
        defer { leave(next) }
        return try body(reader)
    }

    private func child(_ key: Key) -> WirePath { WirePath(parent: path, key: key) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try at(key) { reader in try WireDecoder(reader: reader, path: child(key)).container(keyedBy: type) }
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try at(key) { reader in try detachedDecoder(at: reader.offset, path: child(key)).unkeyedContainer() }
    }

    /// Under the key "super" (which `Key` need not have).
    func superDecoder() throws -> any Decoder {
        guard let (value, next) = try reader.findKey(SuperKey.key.stringValue, first: first, count: count, end: end, path: path) else {
            reader.offset = end
            throw DecodingError.keyNotFound(SuperKey.key, .init(codingPath: codingPath, debugDescription: "no value for super"))
        }
        defer { leave(next) }
        reader.keyedDepth += 1
        return detachedDecoder(at: value, path: WirePath(parent: path, key: SuperKey.key))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try at(key) { reader in detachedDecoder(at: reader.offset, path: child(key)) }
    }

    /// A decoder of the value at `start` reading its own copy of it: what it hands out may be
    /// read after this container's reader has moved on.
    private func detachedDecoder(at start: Int, path: WirePath) -> WireDecoder {
        reader.offset = start
        try? reader.skipValue()  // checked when the container was opened
        return WireDecoder(reader: WireReader(Array(reader.bytes[start..<reader.offset])), path: path)
    }
}

/// `Optional`, whatever it wraps: tells a written `nil` of an optional field's own type apart.
protocol WireOptional {}
extension Optional: WireOptional {}
