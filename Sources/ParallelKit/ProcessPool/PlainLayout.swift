@_spi(Reflection) import Swift
import Synchronization

/// A description of a plain-data type's memory layout, for segments whose elements are read as
/// raw bytes in another process (``SharedBatch``): two builds agree on it only if they agree on
/// the type's name, size, stride and alignment, and on its stored fields' names, offsets and
/// types, nested structs and tuples included (read with the runtime's `_forEachField`; an enum's
/// cases are not listed, only its name and size).
///
/// Why not the name alone: a worker of another build (`accepting: .build(id)`) may declare the
/// same type with its fields in another order; its bytes would then be read as other fields.
enum PlainLayout {
    /// Descriptions made so far: a worker asks once per shared batch, and reflection costs
    /// microseconds a type.
    private static let known = Mutex<[ObjectIdentifier: String]>([:])

    static func of<T>(_: T.Type) -> String {
        if let described = known.withLock({ $0[ObjectIdentifier(T.self)] }) { return described }
        let described =
            "\(fields(of: T.self)) size \(MemoryLayout<T>.size) stride \(MemoryLayout<T>.stride) align \(MemoryLayout<T>.alignment)"
        known.withLock { $0[ObjectIdentifier(T.self)] = described }
        return described
    }

    private static func fields(of type: Any.Type) -> String {
        var fields: [String] = []
        let listed = _forEachField(of: type, options: []) { name, offset, field, _ in
            fields.append("\(String(cString: name))@\(offset):\(Self.fields(of: field))")
            return true
        }
        let name = String(reflecting: type)
        return listed && !fields.isEmpty ? "\(name){\(fields.joined(separator: ","))}" : name
    }
}
