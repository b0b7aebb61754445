import SwiftSyntax

/// The two members of a `WireFields` conformance, for `@WireFields` and for the `Input` that
/// `@WorkerFunction` generates: one `write` and one `read` per stored property, in declaration
/// order, under the property's name, `IfPresent` for an optional as synthesized `Codable` does.
struct WireFieldsExpansion {
    struct Field {
        /// The property's name as written (backticks kept).
        let name: String
        let type: TypeSyntax
    }

    let fields: [Field]
    /// `public `, `package ` or nothing.
    let access: String

    /// The members, each line indented by `indent`.
    func members(indent: String) -> [String] {
        var lines = ["\(access)func writeWireFields(to writer: inout ParallelKit.WireFieldWriter) throws(Swift.EncodingError) {"]
        for field in fields {
            let verb = Self.wrappedIfOptional(field.type) != nil ? "writeIfPresent" : "write"
            lines.append("    try writer.\(verb)(self.\(field.name), forKey: \(Self.key(field)))")
        }
        lines.append("}")
        lines.append("\(access)init(wireFields reader: inout ParallelKit.WireFieldReader) throws(Swift.DecodingError) {")
        for field in fields {
            if let wrapped = Self.wrappedIfOptional(field.type) {
                lines.append("    self.\(field.name) = try reader.readIfPresent((\(wrapped.trimmedDescription)).self, forKey: \(Self.key(field)))")
            } else {
                lines.append("    self.\(field.name) = try reader.read((\(field.type.trimmedDescription)).self, forKey: \(Self.key(field)))")
            }
        }
        lines.append("}")
        return lines.map { indent + $0 }
    }

    /// The coding key synthesized `Codable` gives the property: its name without backticks.
    private static func key(_ field: Field) -> String {
        "\"" + field.name.trimmingBackticks + "\""
    }

    /// `T` for `T?`, `T!` and `Optional<T>`: the properties synthesized `Codable` writes with
    /// `encodeIfPresent`.
    static func wrappedIfOptional(_ type: TypeSyntax) -> TypeSyntax? {
        if let optional = type.as(OptionalTypeSyntax.self) { return optional.wrappedType }
        if let unwrapped = type.as(ImplicitlyUnwrappedOptionalTypeSyntax.self) { return unwrapped.wrappedType }
        if let named = type.as(IdentifierTypeSyntax.self), named.name.text == "Optional",
            let argument = named.genericArgumentClause?.arguments.first, named.genericArgumentClause?.arguments.count == 1
        {
            return argument.argument.as(TypeSyntax.self)
        }
        return nil
    }
}
