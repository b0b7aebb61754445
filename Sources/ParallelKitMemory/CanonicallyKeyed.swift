import ParallelKit

/// A value that ``CanonicalEncoder`` writes by its contents instead of through its
/// `encode(to:)`: shared-memory values (whose encoding is a segment's name, new in every run),
/// arrays of plain numbers (hashed from their bytes), dictionaries and sets (sorted).
///
/// Conform a type of your own when its `encode(to:)` writes something other than its contents —
/// a handle, a path, a cache of its own — and write what identifies its value.
public protocol CanonicallyKeyed {
    /// Appends bytes that identify the value, the same in every process. Throw
    /// ``MemoryError`` with ``MemoryError/Code/unkeyable`` when the value has no readable contents.
    func writeCanonicalContents(into bytes: inout [UInt8], codingPath: [any CodingKey]) throws(MemoryError)
}

/// The numbers whose arrays ``CanonicalEncoder`` hashes from their bytes: fixed width, no
/// padding, one representation per value (`Bool` excluded, which may hold other bit patterns).
public protocol CanonicalPlainNumber: BitwiseCopyable, Encodable {}

extension Int: CanonicalPlainNumber {}
extension Int8: CanonicalPlainNumber {}
extension Int16: CanonicalPlainNumber {}
extension Int32: CanonicalPlainNumber {}
extension Int64: CanonicalPlainNumber {}
extension UInt: CanonicalPlainNumber {}
extension UInt8: CanonicalPlainNumber {}
extension UInt16: CanonicalPlainNumber {}
extension UInt32: CanonicalPlainNumber {}
extension UInt64: CanonicalPlainNumber {}
extension Float: CanonicalPlainNumber {}
extension Double: CanonicalPlainNumber {}

extension CanonicalPlainNumber {
    static var canonicalTypeName: String { String(reflecting: Self.self) }

    static func writePlain(_ buffer: UnsafeBufferPointer<Self>, into bytes: inout [UInt8]) {
        CanonicalSlot.appendPlain(
            UnsafeRawBufferPointer(buffer), count: buffer.count, elementType: canonicalTypeName, to: &bytes)
    }
}

extension Array: CanonicallyKeyed where Element: CanonicalPlainNumber {
    public func writeCanonicalContents(into bytes: inout [UInt8], codingPath: [any CodingKey]) {
        withUnsafeBufferPointer { Element.writePlain($0, into: &bytes) }
    }
}

extension ContiguousArray: CanonicallyKeyed where Element: CanonicalPlainNumber {
    public func writeCanonicalContents(into bytes: inout [UInt8], codingPath: [any CodingKey]) {
        withUnsafeBufferPointer { Element.writePlain($0, into: &bytes) }
    }
}

extension Dictionary: CanonicallyKeyed where Key: Encodable, Value: Encodable {
    /// The entries, each its key's canonical bytes then its value's, sorted by those bytes: the
    /// same whatever order the dictionary was built in (its iteration order is seeded per process).
    public func writeCanonicalContents(into bytes: inout [UInt8], codingPath: [any CodingKey]) throws(MemoryError) {
        var entries: [[UInt8]] = []
        entries.reserveCapacity(count)
        for (key, value) in self {
            var entry: [UInt8] = []
            try CanonicalEncoder.encode(key, into: &entry)
            try CanonicalEncoder.encode(value, into: &entry)
            entries.append(entry)
        }
        CanonicalSlot.appendSorted(entries, to: &bytes)
    }
}

extension Set: CanonicallyKeyed where Element: Encodable {
    /// The elements' canonical bytes, sorted.
    public func writeCanonicalContents(into bytes: inout [UInt8], codingPath: [any CodingKey]) throws(MemoryError) {
        var elements: [[UInt8]] = []
        elements.reserveCapacity(count)
        for element in self {
            elements.append(try CanonicalEncoder.encode(element))
        }
        CanonicalSlot.appendSorted(elements, to: &bytes)
    }
}

/// The contents of a shared-memory value: tagged with its kind, so that a shared array and a
/// plain one of the same elements are told apart only by the input type (part of every key).
private func appendContentsTag(_ kind: String, to bytes: inout [UInt8]) {
    bytes.append(CanonicalSlot.Tag.contents.rawValue)
    CanonicalSlot.appendString(kind, to: &bytes)
}

extension SharedInputArray: CanonicallyKeyed {
    /// Its elements — from their bytes for plain numbers, else each through `encode(to:)` —
    /// never the name of the segment that holds them.
    public func writeCanonicalContents(into bytes: inout [UInt8], codingPath: [any CodingKey]) throws(MemoryError) {
        appendContentsTag("SharedInputArray", to: &bytes)
        if let plain = Element.self as? any CanonicalPlainNumber.Type {
            func write<Number: CanonicalPlainNumber>(_ type: Number.Type) {
                withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: Number.self) { Number.writePlain($0, into: &bytes) }
                }
            }
            write(plain)
        } else {
            try CanonicalEncoder.encode(Array(self), into: &bytes)
        }
    }
}

extension SharedArray: CanonicallyKeyed {
    /// Its elements as they are now (another process may change them later: the key is that of
    /// the contents at the call). Only arrays of ``CanonicalPlainNumber``s: other elements may
    /// hold padding bytes, which differ between equal values.
    public func writeCanonicalContents(into bytes: inout [UInt8], codingPath: [any CodingKey]) throws(MemoryError) {
        guard let plain = Element.self as? any CanonicalPlainNumber.Type else {
            throw MemoryError(
                .unkeyable,
                "SharedArray<\(String(reflecting: Element.self))> cannot be a key: only arrays of plain numbers are "
                    + "keyed by their bytes (other elements may hold padding); pass the elements as a Codable array")
        }
        appendContentsTag("SharedArray", to: &bytes)
        func write<Number: CanonicalPlainNumber>(_ type: Number.Type) {
            withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: Number.self) { Number.writePlain($0, into: &bytes) }
            }
        }
        write(plain)
    }
}

extension SharedValue: CanonicallyKeyed {
    /// Its value now.
    public func writeCanonicalContents(into bytes: inout [UInt8], codingPath: [any CodingKey]) {
        appendContentsTag("SharedValue<\(String(reflecting: Value.self))>", to: &bytes)
        bytes.append(contentsOf: CanonicalPrimitive.unsigned(Value.word(load())))
    }
}

extension ProcessLock: CanonicallyKeyed {
    /// Refused: a lock has no contents, only an identity that is new in every run.
    public func writeCanonicalContents(into bytes: inout [UInt8], codingPath: [any CodingKey]) throws(MemoryError) {
        throw MemoryError(.unkeyable, "a ProcessLock cannot be part of a cache key: it has no contents to key by")
    }
}

extension ProcessQueue: CanonicallyKeyed {
    /// Refused: what a queue holds changes as it is read.
    public func writeCanonicalContents(into bytes: inout [UInt8], codingPath: [any CodingKey]) throws(MemoryError) {
        throw MemoryError(
            .unkeyable,
            "a ProcessQueue<\(String(reflecting: Element.self))> cannot be part of a cache key: its contents change as it is read")
    }
}
