/// Writes the stored properties of a ``WireFields`` struct, one call per property, as the
/// entries of its keyed container: the key's UTF-8, then the value. Numbers, strings, Bools
/// and arrays of numbers are written in place; any other `Encodable` value is encoded as
/// ``WireCoder`` encodes it anywhere else.
public struct WireFieldWriter: ~Copyable {
    let buffer: WireWriter
    let path: WirePath
    /// How many entries were written.
    private(set) var fields = 0

    init(buffer: WireWriter, path: WirePath) {
        self.buffer = buffer
        self.path = path
    }

    @inline(__always) private mutating func key(_ key: StaticString) {
        fields += 1
        buffer.appendKey(key)
    }

    /// Writes `value` under `key`.
    public mutating func write(_ value: Int, forKey key: StaticString) throws(EncodingError) {
        fields += 1
        buffer.appendKey(key, tagged: .int, UInt64(bitPattern: Int64(value)))
    }

    /// Writes `value` under `key`.
    public mutating func write(_ value: Double, forKey key: StaticString) throws(EncodingError) {
        fields += 1
        buffer.appendKey(key, tagged: .double, value.bitPattern)
    }

    /// Writes `value` under `key`.
    public mutating func write(_ value: Bool, forKey key: StaticString) throws(EncodingError) {
        self.key(key)
        buffer.append(value ? WireTag.trueValue.rawValue : WireTag.falseValue.rawValue)
    }

    /// Writes `value` under `key`.
    public mutating func write(_ value: String, forKey key: StaticString) throws(EncodingError) {
        self.key(key)
        buffer.append(WireTag.string.rawValue)
        buffer.appendString(value)
    }

    /// Writes `value` under `key`, as a packed block.
    public mutating func write(_ value: [Int], forKey key: StaticString) throws(EncodingError) {
        self.key(key)
        buffer.appendPacked(value, kind: PackedCodec.intKind)
    }

    /// Writes `value` under `key`, as a packed block.
    public mutating func write(_ value: [Double], forKey key: StaticString) throws(EncodingError) {
        self.key(key)
        buffer.appendPacked(value, kind: PackedCodec.doubleKind)
    }

    /// Writes `value` under `key`: in place when it is a number, string, Bool or array of
    /// numbers, else as its `encode(to:)` writes it.
    public mutating func write<T: Encodable>(_ value: T, forKey key: StaticString) throws(EncodingError) {
        self.key(key)
        if buffer.appendDirect(value) { return }
        let field = WirePath(parent: path, key: WireKey(key))
        do {
            try WireEncoder(buffer: buffer, path: field).encodeValue(value)
        } catch let error as EncodingError {
            throw error
        } catch {
            throw EncodingError.invalidValue(value, .init(codingPath: field.codingPath, debugDescription: "\(error)"))
        }
    }

    /// Writes `value` under `key` unless it is `nil`, as synthesized `Codable` writes an
    /// optional property (`encodeIfPresent`).
    public mutating func writeIfPresent<T: Encodable>(_ value: T?, forKey key: StaticString) throws(EncodingError) {
        if let value { try write(value, forKey: key) }
    }
}
