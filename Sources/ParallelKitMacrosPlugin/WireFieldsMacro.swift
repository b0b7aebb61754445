import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxMacros

/// `@WireFields`: gives a struct of its own stored properties a `WireFields` conformance (the
/// declaration and its documentation are in ParallelKitMacros). For
/// `struct RangeCount: Codable { var row: [Int]; var minimum: Int }` it adds:
///
/// ```swift
/// extension RangeCount: ParallelKit.WireFields {
///     func writeWireFields(to writer: inout ParallelKit.WireFieldWriter) throws(Swift.EncodingError) {
///         try writer.write(self.row, forKey: "row")
///         try writer.write(self.minimum, forKey: "minimum")
///     }
///     init(wireFields reader: inout ParallelKit.WireFieldReader) throws(Swift.DecodingError) {
///         self.row = try reader.read(([Int]).self, forKey: "row")
///         self.minimum = try reader.read((Int).self, forKey: "minimum")
///     }
/// }
/// ```
public struct WireFieldsMacro: ExtensionMacro {
    public static func expansion(
        of node: AttributeSyntax, attachedTo declaration: some DeclGroupSyntax,
        providingExtensionsOf type: some TypeSyntaxProtocol, conformingTo protocols: [TypeSyntax],
        in context: some MacroExpansionContext
    ) throws -> [ExtensionDeclSyntax] {
        guard let structure = declaration.as(StructDeclSyntax.self) else {
            context.diagnose(Diagnostic(node: node, message: WireFieldsDiagnostic.notAStruct))
            return []
        }
        let fields: [WireFieldsExpansion.Field]
        do throws(WireFieldsDiagnostic) {
            fields = try storedProperties(of: structure)
        } catch {
            context.diagnose(Diagnostic(node: error.node ?? Syntax(node), message: error))
            return []
        }
        // The members are as visible as the struct, so that they satisfy a public protocol.
        let access = structure.modifiers.lazy.map(\.name.text).first { ["public", "open", "package"].contains($0) }
            .map { $0 == "package" ? "package " : "public " } ?? ""
        let members = WireFieldsExpansion(fields: fields, access: access).members(indent: "    ")
        let source = "extension \(type.trimmedDescription): ParallelKit.WireFields {\n\(members.joined(separator: "\n"))\n}"
        return [try ExtensionDeclSyntax("\(raw: source)")]
    }

    /// The stored instance properties, in order: what synthesized `Codable` writes.
    private static func storedProperties(of structure: StructDeclSyntax) throws(WireFieldsDiagnostic) -> [WireFieldsExpansion.Field] {
        var fields: [WireFieldsExpansion.Field] = []
        for member in structure.memberBlock.members {
            if let function = member.decl.as(FunctionDeclSyntax.self), function.name.text == "encode",
                function.signature.parameterClause.parameters.first?.firstName.text == "to"
            {
                throw .customCoding("encode(to:)", Syntax(function))
            }
            if let initializer = member.decl.as(InitializerDeclSyntax.self),
                initializer.signature.parameterClause.parameters.first?.firstName.text == "from"
            {
                throw .customCoding("init(from:)", Syntax(initializer))
            }
            if let keys = member.decl.as(EnumDeclSyntax.self), keys.name.text == "CodingKeys" {
                throw .customCoding("CodingKeys", Syntax(keys))
            }
            guard let variable = member.decl.as(VariableDeclSyntax.self),
                !variable.modifiers.contains(where: { ["static", "class"].contains($0.name.text) })
            else { continue }
            if variable.modifiers.contains(where: { $0.name.text == "lazy" }) || !variable.attributes.isEmpty {
                throw .unsupportedProperty(variable.bindings.first?.pattern.trimmedDescription ?? "", Syntax(variable))
            }
            let bindings = Array(variable.bindings)
            for (index, binding) in bindings.enumerated() {
                if let accessors = binding.accessorBlock, !Self.onlyObservers(accessors) { continue }  // computed
                let name = binding.pattern.trimmedDescription
                if variable.bindingSpecifier.tokenKind == .keyword(.let), binding.initializer != nil {
                    throw .letWithValue(name, Syntax(binding))
                }
                // `var a, b: Int`: a binding without a type has the next one's.
                guard let type = bindings[index...].lazy.compactMap({ $0.typeAnnotation?.type }).first else {
                    throw .untyped(name, Syntax(binding))
                }
                fields.append(.init(name: name, type: type.trimmed))
            }
        }
        return fields
    }

    private static func onlyObservers(_ accessors: AccessorBlockSyntax) -> Bool {
        guard case .accessors(let list) = accessors.accessors else { return false }
        return list.allSatisfy { [.keyword(.willSet), .keyword(.didSet)].contains($0.accessorSpecifier.tokenKind) }
    }
}

/// An error `@WireFields` reports at compile time.
struct WireFieldsDiagnostic: DiagnosticMessage, Error {
    let message: String
    let id: String
    var node: Syntax?

    var diagnosticID: MessageID { MessageID(domain: "ParallelKitMacros.WireFields", id: id) }
    var severity: DiagnosticSeverity { .error }

    static let notAStruct = Self(
        message: "@WireFields applies to a struct; an enum or a class keeps its Codable form on the wire", id: "notAStruct")

    static func customCoding(_ what: String, _ node: Syntax) -> Self {
        Self(
            message: "@WireFields writes each stored property under its own name, and this struct has its own "
                + "\(what); remove @WireFields to keep that form, or remove the \(what)",
            id: "customCoding", node: node)
    }

    static func unsupportedProperty(_ name: String, _ node: Syntax) -> Self {
        Self(
            message: "@WireFields cannot write '\(name)': a lazy property or one with a property wrapper is not a "
                + "plain stored field; remove @WireFields, or make '\(name)' a plain 'var'",
            id: "unsupportedProperty", node: node)
    }

    static func letWithValue(_ name: String, _ node: Syntax) -> Self {
        Self(
            message: "@WireFields cannot read '\(name)' back: a 'let' with an initial value cannot be assigned "
                + "(Codable does not decode it either); make it 'var' or remove the initial value",
            id: "letWithValue", node: node)
    }

    static func untyped(_ name: String, _ node: Syntax) -> Self {
        Self(message: "@WireFields needs the type of '\(name)' written out; declare it 'var \(name): Type'", id: "untyped", node: node)
    }
}
