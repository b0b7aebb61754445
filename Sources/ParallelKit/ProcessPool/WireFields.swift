/// A struct that writes and reads its own stored properties on the wire, field by field,
/// without going through `Codable`'s containers: the fast form of a task's input or output.
///
/// You rarely write a conformance yourself. `@WorkerFunction` gives the `Input` it generates
/// for a function of several parameters one, and `@WireFields` (both in `ParallelKitMacros`)
/// gives one to a struct of your own:
///
/// ```swift
/// import ParallelKitMacros
///
/// @WireFields
/// struct RangeCount: Codable, Sendable {
///     var row: [Int]
///     var minimum: Int
///     var maximum: Int
/// }
/// ```
///
/// The bytes are exactly those of the struct's synthesized `Codable` form in `WireCoder`'s
/// format (a keyed container of the fields under their names, in declaration order, `nil`
/// optionals left out), so either side may use either form. Reading takes the fast form only
/// when the fields come in that order and nothing else is there; any other container (keys in
/// another order, unknown keys, a missing optional) is decoded through `init(from:)` instead,
/// by key, as before. Measured on 200,000 rows of `{row: [Int], minimum, maximum}` through a
/// `ProcessPool` (2 cores): see the `starmap-struct` and `map-array` rows of
/// `parallelkit bench` and `Guides/ProcessPool.md`.
///
/// Write a conformance by hand only where the macros cannot run: call the writer's and the
/// reader's methods once per stored property, in declaration order, with the property's
/// coding key, and `writeIfPresent`/`readIfPresent` for optionals, as synthesized `Codable` does:
///
/// ```swift
/// extension RangeCount: WireFields {
///     func writeWireFields(to writer: inout WireFieldWriter) throws(EncodingError) {
///         try writer.write(row, forKey: "row")
///         try writer.write(minimum, forKey: "minimum")
///         try writer.write(maximum, forKey: "maximum")
///     }
///     init(wireFields reader: inout WireFieldReader) throws(DecodingError) {
///         row = try reader.read([Int].self, forKey: "row")
///         minimum = try reader.read(Int.self, forKey: "minimum")
///         maximum = try reader.read(Int.self, forKey: "maximum")
///     }
/// }
/// ```
public protocol WireFields: Codable {
    /// Writes each stored property, in declaration order, under its coding key.
    func writeWireFields(to writer: inout WireFieldWriter) throws(EncodingError)
    /// Reads each stored property, in the order ``writeWireFields(to:)`` writes them.
    init(wireFields reader: inout WireFieldReader) throws(DecodingError)
}

extension WireEncoder {
    /// Writes `value` as the keyed container of its fields.
    func encodeFields(_ value: some WireFields) throws(EncodingError) {
        buffer.append(WireTag.keyed.rawValue)
        let countOffset = buffer.count
        buffer.appendUInt32(0)
        var writer = WireFieldWriter(buffer: buffer, path: path)
        try value.writeWireFields(to: &writer)
        buffer.patchCount(UInt32(writer.fields), at: countOffset)
    }

    /// Writes an array of `WireFields` values as `Array.encode(to:)` would, without a
    /// container or a dynamic cast per element.
    func encodeFieldsArray<Element: WireFields>(_ values: [Element]) throws(EncodingError) {
        buffer.append(WireTag.array.rawValue)
        buffer.appendUInt32(UInt32(values.count))
        for value in values { try encodeFields(value) }
    }
}

extension WireReader {
    /// Reads a `T` written by ``WireEncoder/encodeFields(_:)``: field by field when the
    /// container holds exactly its fields in order, else through `init(from:)`, by key. The
    /// caller (`decodeValue`) has counted the nesting depth.
    func decodeFields<T: WireFields>(_ type: T.Type, path: WirePath) throws -> T {
        let start = offset
        // Not `try?`: an optional of a generic `T` asks the runtime for its metadata on every call.
        do {
            return try readFieldsInOrder(T.self, path: path)
        } catch {
            offset = start
        }
        return try T(from: WireDecoder(reader: self, path: path))
    }

    /// ``decodeFields(_:path:)`` for a `T` found to be `F`.
    func decodeFields<F: WireFields, T>(_ type: F.Type, as: T.Type, path: WirePath) throws -> T {
        unsafeBitCast(try decodeFields(F.self, path: path), to: T.self)  // F is T
    }

    /// ``decodeFieldsArray(_:path:)`` for a `T` found to be `[Element]` of `WireFields` elements.
    func decodeFieldsArray<A: WireFieldsArray, T>(_ type: A.Type, as: T.Type, path: WirePath) throws -> T {
        unsafeBitCast(try A.decodeFieldsArray(with: self, path: path), to: T.self)  // A is T
    }

    private func readFieldsInOrder<T: WireFields>(_ type: T.Type, path: WirePath) throws(DecodingError) -> T {
        guard try tag(path) == .keyed else { throw corrupt(path, "expected a keyed container") }
        let count = Int(try uint32(path))
        // Nothing before this container may be released while it can still be read again.
        keyedDepth += 1
        defer { keyedDepth -= 1 }
        var reader = WireFieldReader(reader: self, path: path, count: count)
        let value = try T(wireFields: &reader)
        guard reader.consumed == count else { throw corrupt(path, "fields the struct does not read") }
        return value
    }

    /// Reads an array of `WireFields` values written by ``WireEncoder/encodeFieldsArray(_:)``.
    func decodeFieldsArray<Element: WireFields>(_ type: Element.Type, path: WirePath) throws -> [Element] {
        guard try tag(path) == .array else { throw corrupt(path, "expected an array") }
        let count = Int(try uint32(path))
        // Each element is at least five bytes (a keyed tag and its count).
        guard count <= remaining / 5 else { throw corrupt(path, "array longer than the message") }
        var values: [Element] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            values.append(try decodeFields(Element.self, path: path))
            releaseConsumed()
        }
        return values
    }
}

/// Arrays of `WireFields` values, found by one dynamic cast per array rather than one per element.
protocol WireFieldsArray {
    func encodeFieldsArray(with encoder: WireEncoder) throws(EncodingError)
    static func decodeFieldsArray(with reader: WireReader, path: WirePath) throws -> Self
}

extension Array: WireFieldsArray where Element: WireFields {
    func encodeFieldsArray(with encoder: WireEncoder) throws(EncodingError) { try encoder.encodeFieldsArray(self) }
    static func decodeFieldsArray(with reader: WireReader, path: WirePath) throws -> [Element] {
        try reader.decodeFieldsArray(Element.self, path: path)
    }
}
