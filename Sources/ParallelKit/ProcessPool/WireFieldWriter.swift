/// Writes the stored properties of a ``WireFields`` struct, one call per property, as the
/// entries of its keyed container: the key's UTF-8, then the value. Numbers, strings, Bools
/// and arrays of numbers are written in place; any other `Encodable` value is encoded as
/// `WireCoder` encodes it anywhere else.
public struct WireFieldWriter: ~Copyable {
    // Unmanaged, used through `_withUnsafeGuaranteedRef`: a writer is made only by
    // `WireEncoder.encodeFields` from the encoder's own references, which the encoder holds
    // until that call returns, and the writer cannot outlive the call (its init is internal,
    // it is not copyable, and a conformance gets it only `inout`). A retain and a release of
    // each per struct were ~5% of encoding a batch of small structs (perf).
    private let unmanagedBuffer: Unmanaged<WireWriter>
    private let unmanagedPath: Unmanaged<WirePath>
    /// How many entries were written.
    private(set) var fields = 0

    init(buffer: WireWriter, path: WirePath) {
        unmanagedBuffer = .passUnretained(buffer)
        unmanagedPath = .passUnretained(path)
    }

    /// The encoder's buffer, borrowed for `body`.
    @inline(__always) private func withBuffer<R>(_ body: (WireWriter) -> R) -> R {
        unmanagedBuffer._withUnsafeGuaranteedRef(body)
    }

    @inline(__always) private mutating func key(_ key: StaticString) {
        fields += 1
        withBuffer { $0.appendKey(key) }
    }

    /// Writes `value` under `key`.
    public mutating func write(_ value: Int, forKey key: StaticString) throws(EncodingError) {
        fields += 1
        withBuffer { $0.appendKey(key, tagged: .int, UInt64(bitPattern: Int64(value))) }
    }

    /// Writes `value` under `key`.
    public mutating func write(_ value: Double, forKey key: StaticString) throws(EncodingError) {
        fields += 1
        withBuffer { $0.appendKey(key, tagged: .double, value.bitPattern) }
    }

    /// Writes `value` under `key`.
    public mutating func write(_ value: Bool, forKey key: StaticString) throws(EncodingError) {
        self.key(key)
        withBuffer { $0.append(value ? WireTag.trueValue.rawValue : WireTag.falseValue.rawValue) }
    }

    /// Writes `value` under `key`.
    public mutating func write(_ value: String, forKey key: StaticString) throws(EncodingError) {
        self.key(key)
        withBuffer { buffer in
            buffer.append(WireTag.string.rawValue)
            buffer.appendString(value)
        }
    }

    /// Writes `value` under `key`, as a packed block.
    public mutating func write(_ value: [Int], forKey key: StaticString) throws(EncodingError) {
        self.key(key)
        withBuffer { $0.appendPacked(value, kind: PackedCodec.intKind) }
    }

    /// Writes `value` under `key`, as a packed block.
    public mutating func write(_ value: [Double], forKey key: StaticString) throws(EncodingError) {
        self.key(key)
        withBuffer { $0.appendPacked(value, kind: PackedCodec.doubleKind) }
    }

    /// Writes `value` under `key`: in place when it is a number, string, Bool or array of
    /// numbers, else as its `encode(to:)` writes it.
    public mutating func write<T: Encodable>(_ value: T, forKey key: StaticString) throws(EncodingError) {
        self.key(key)
        if withBuffer({ $0.appendDirect(value) }) { return }
        let field = WirePath(parent: unmanagedPath.takeUnretainedValue(), key: WireKey(key))
        do {
            try WireEncoder(buffer: unmanagedBuffer.takeUnretainedValue(), path: field).encodeValue(value)
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
