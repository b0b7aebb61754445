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

    /// Where the value of `key` starts; `nil` when the container has no such key.
    private func find(_ key: Key) throws(DecodingError) -> Int? {
        try reader.findKey(key.stringValue, first: first, count: count, end: end, path: path)
    }

    private func keyNotFound(_ key: Key) -> DecodingError {
        reader.offset = end
        return DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no value for \(key.stringValue)"))
    }

    /// Moves the reader to the value of `key`, for a read that ends with `leave(at:)` or `leave(skipping:)`.
    private func enter(_ key: Key) throws(DecodingError) -> Int {
        guard let value = try find(key) else { throw keyNotFound(key) }
        reader.keyedDepth += 1
        return value
    }

    /// After a number, string or packed array was read whole: the next entry starts where it ended.
    @inline(__always) private func leaveAfterDirect() {
        reader.keyedDepth -= 1
        reader.keyHint = (first, reader.offset)
        reader.offset = end
    }

    /// After a value of any other type, or a failed read: the next entry is found by skipping
    /// the value (a decoder may have read only part of it), or not hinted at all.
    private func leave(skipping value: Int, succeeded: Bool) {
        reader.keyedDepth -= 1
        if succeeded {
            reader.offset = value
            if (try? reader.skipValue()) != nil { reader.keyHint = (first, reader.offset) }
        }
        reader.offset = end
    }

    /// Reads a number, string or Bool at `key`.
    @inline(__always) private func direct<T>(_ key: Key, _ read: (WireReader) throws(DecodingError) -> T) throws(DecodingError) -> T {
        let value = try enter(key)
        do {
            let result = try read(reader)
            leaveAfterDirect()
            return result
        } catch {
            leave(skipping: value, succeeded: false)
            throw error
        }
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard try find(key) != nil else { throw keyNotFound(key) }
        defer { reader.offset = end }
        return try reader.peekTag(path) == .null
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try direct(key) { r throws(DecodingError) in try r.bool(path, key) } }
    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try direct(key) { r throws(DecodingError) in try r.taggedString(path, key) }
    }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try direct(key) { r throws(DecodingError) in try r.double(path, key) } }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
        try direct(key) { r throws(DecodingError) in try r.exact(Int.self, r.signed(path, key), path, key) }
    }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let value = try enter(key)
        return try decodeEntered(T.self, key, at: value)
    }

    private func decodeEntered<T: Decodable>(_ type: T.Type, _ key: Key, at value: Int) throws -> T {
        do {
            let result = try reader.decodeValue(T.self, path: path, key: key)
            if PackedCodec.of(T.self) != nil || T.self == Int.self || T.self == Double.self || T.self == String.self || T.self == Bool.self {
                leaveAfterDirect()
            } else {
                leave(skipping: value, succeeded: true)
            }
            return result
        } catch {
            leave(skipping: value, succeeded: false)
            throw error
        }
    }

    /// One lookup instead of the three (`contains`, `decodeNil`, `decode`) of the default. A
    /// written `nil` of an optional `T` (`Int??` holding `.some(nil)`) decodes as that `T`.
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = try find(key) else {
            reader.offset = end
            return nil
        }
        if try reader.peekTag(path) == .null, !(T.self is any WireOptional.Type) {
            reader.keyHint = (first, value + 1)
            reader.offset = end
            return nil
        }
        reader.keyedDepth += 1
        return try decodeEntered(T.self, key, at: value)
    }

    private func at<T>(_ key: Key, _ body: (WireReader) throws -> T) throws -> T {
        let value = try enter(key)
        do {
            let result = try body(reader)
            leave(skipping: value, succeeded: true)
            return result
        } catch {
            leave(skipping: value, succeeded: false)
            throw error
        }
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
        guard let value = try reader.findKey(WireKey.superKey.stringValue, first: first, count: count, end: end, path: path) else {
            reader.offset = end
            throw DecodingError.keyNotFound(WireKey.superKey, .init(codingPath: codingPath, debugDescription: "no value for super"))
        }
        reader.keyedDepth += 1
        defer { leave(skipping: value, succeeded: true) }
        return detachedDecoder(at: value, path: WirePath(parent: path, key: WireKey.superKey))
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
