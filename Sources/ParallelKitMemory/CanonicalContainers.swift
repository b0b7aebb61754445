// The containers of `CanonicalEncoder`: each value becomes a `CanonicalSlot`; keyed entries
// are sorted when the tree is written, unkeyed ones keep their order.

/// The canonical bytes of the primitive values every container writes.
enum CanonicalPrimitive {
    static func bool(_ value: Bool) -> [UInt8] { [CanonicalSlot.Tag.bool.rawValue, value ? 1 : 0] }
    static func signed(_ value: some FixedWidthInteger & SignedInteger) -> [UInt8] {
        CanonicalSlot.tagged(.integer, UInt64(bitPattern: Int64(value)))
    }
    static func unsigned(_ value: some FixedWidthInteger & UnsignedInteger) -> [UInt8] {
        CanonicalSlot.tagged(.unsigned, UInt64(value))
    }
    static func float(_ value: Float) -> [UInt8] { CanonicalSlot.tagged(.float, UInt64(value.bitPattern)) }
    static func double(_ value: Double) -> [UInt8] { CanonicalSlot.tagged(.double, value.bitPattern) }
    static func string(_ value: String) -> [UInt8] {
        var bytes: [UInt8] = [CanonicalSlot.Tag.string.rawValue]
        CanonicalSlot.appendString(value, to: &bytes)
        return bytes
    }
    static let null: [UInt8] = [CanonicalSlot.Tag.nilValue.rawValue]
}

struct CanonicalKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    var codingPath: [any CodingKey]
    let box: CanonicalKeyedBox

    private func put(_ bytes: [UInt8], _ key: Key) { box.entries[key.stringValue] = CanonicalSlot(bytes: bytes) }

    mutating func encodeNil(forKey key: Key) throws { put(CanonicalPrimitive.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(CanonicalPrimitive.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(CanonicalPrimitive.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(CanonicalPrimitive.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { put(CanonicalPrimitive.float(value), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(CanonicalPrimitive.signed(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(CanonicalPrimitive.signed(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(CanonicalPrimitive.signed(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(CanonicalPrimitive.signed(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(CanonicalPrimitive.signed(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(CanonicalPrimitive.unsigned(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(CanonicalPrimitive.unsigned(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(CanonicalPrimitive.unsigned(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(CanonicalPrimitive.unsigned(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(CanonicalPrimitive.unsigned(value), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        box.entries[key.stringValue] = try CanonicalSlot.make(value, codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let slot = CanonicalSlot()
        box.entries[key.stringValue] = slot
        return KeyedEncodingContainer(CanonicalKeyedContainer<NestedKey>(codingPath: codingPath + [key], box: slot.keyed()))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let slot = CanonicalSlot()
        box.entries[key.stringValue] = slot
        return CanonicalUnkeyedContainer(codingPath: codingPath + [key], box: slot.unkeyed())
    }

    mutating func superEncoder() -> any Encoder { superEncoder(named: "super") }

    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key.stringValue) }

    private func superEncoder(named name: String) -> any Encoder {
        let slot = CanonicalSlot()
        box.entries[name] = slot
        return CanonicalEncoder(codingPath: codingPath, slot: slot)
    }
}

struct CanonicalUnkeyedContainer: UnkeyedEncodingContainer {
    var codingPath: [any CodingKey]
    let box: CanonicalUnkeyedBox
    var count: Int { box.elements.count }

    private func put(_ bytes: [UInt8]) { box.elements.append(CanonicalSlot(bytes: bytes)) }

    mutating func encodeNil() throws { put(CanonicalPrimitive.null) }
    mutating func encode(_ value: Bool) throws { put(CanonicalPrimitive.bool(value)) }
    mutating func encode(_ value: String) throws { put(CanonicalPrimitive.string(value)) }
    mutating func encode(_ value: Double) throws { put(CanonicalPrimitive.double(value)) }
    mutating func encode(_ value: Float) throws { put(CanonicalPrimitive.float(value)) }
    mutating func encode(_ value: Int) throws { put(CanonicalPrimitive.signed(value)) }
    mutating func encode(_ value: Int8) throws { put(CanonicalPrimitive.signed(value)) }
    mutating func encode(_ value: Int16) throws { put(CanonicalPrimitive.signed(value)) }
    mutating func encode(_ value: Int32) throws { put(CanonicalPrimitive.signed(value)) }
    mutating func encode(_ value: Int64) throws { put(CanonicalPrimitive.signed(value)) }
    mutating func encode(_ value: UInt) throws { put(CanonicalPrimitive.unsigned(value)) }
    mutating func encode(_ value: UInt8) throws { put(CanonicalPrimitive.unsigned(value)) }
    mutating func encode(_ value: UInt16) throws { put(CanonicalPrimitive.unsigned(value)) }
    mutating func encode(_ value: UInt32) throws { put(CanonicalPrimitive.unsigned(value)) }
    mutating func encode(_ value: UInt64) throws { put(CanonicalPrimitive.unsigned(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        box.elements.append(try CanonicalSlot.make(value, codingPath: codingPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let slot = CanonicalSlot()
        box.elements.append(slot)
        return KeyedEncodingContainer(CanonicalKeyedContainer<NestedKey>(codingPath: codingPath, box: slot.keyed()))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let slot = CanonicalSlot()
        box.elements.append(slot)
        return CanonicalUnkeyedContainer(codingPath: codingPath, box: slot.unkeyed())
    }

    mutating func superEncoder() -> any Encoder {
        let slot = CanonicalSlot()
        box.elements.append(slot)
        return CanonicalEncoder(codingPath: codingPath, slot: slot)
    }
}

struct CanonicalSingleValueContainer: SingleValueEncodingContainer {
    var codingPath: [any CodingKey]
    let slot: CanonicalSlot

    mutating func encodeNil() throws { slot.set(CanonicalPrimitive.null) }
    mutating func encode(_ value: Bool) throws { slot.set(CanonicalPrimitive.bool(value)) }
    mutating func encode(_ value: String) throws { slot.set(CanonicalPrimitive.string(value)) }
    mutating func encode(_ value: Double) throws { slot.set(CanonicalPrimitive.double(value)) }
    mutating func encode(_ value: Float) throws { slot.set(CanonicalPrimitive.float(value)) }
    mutating func encode(_ value: Int) throws { slot.set(CanonicalPrimitive.signed(value)) }
    mutating func encode(_ value: Int8) throws { slot.set(CanonicalPrimitive.signed(value)) }
    mutating func encode(_ value: Int16) throws { slot.set(CanonicalPrimitive.signed(value)) }
    mutating func encode(_ value: Int32) throws { slot.set(CanonicalPrimitive.signed(value)) }
    mutating func encode(_ value: Int64) throws { slot.set(CanonicalPrimitive.signed(value)) }
    mutating func encode(_ value: UInt) throws { slot.set(CanonicalPrimitive.unsigned(value)) }
    mutating func encode(_ value: UInt8) throws { slot.set(CanonicalPrimitive.unsigned(value)) }
    mutating func encode(_ value: UInt16) throws { slot.set(CanonicalPrimitive.unsigned(value)) }
    mutating func encode(_ value: UInt32) throws { slot.set(CanonicalPrimitive.unsigned(value)) }
    mutating func encode(_ value: UInt64) throws { slot.set(CanonicalPrimitive.unsigned(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let child = try CanonicalSlot.make(value, codingPath: codingPath)
        var bytes: [UInt8] = []
        child.write(into: &bytes)
        slot.set(bytes)
    }
}
