import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxMacros

/// `@WorkerFunction`: makes a `WorkerTask` type of a global or static function, and a `$name`
/// handle to it (the declaration and its documentation are in ParallelKitMacros).
///
/// For `func howManyWithinRange(row: [Int], minimum: Int, maximum: Int) -> Int` it adds, beside
/// the function:
///
/// ```swift
/// struct howManyWithinRange_WorkerTask: ParallelKit.WorkerTask {
///     struct Input: Swift.Codable, Swift.Sendable, ParallelKit.WireFields {
///         var row: [Int]
///         var minimum: Int
///         var maximum: Int
///         init(row: [Int], minimum: Int, maximum: Int) { … }
///         init(_ row: [Int], _ minimum: Int, _ maximum: Int) { … }
///         func writeWireFields(to writer: inout ParallelKit.WireFieldWriter) throws(Swift.EncodingError) { … }
///         init(wireFields reader: inout ParallelKit.WireFieldReader) throws(Swift.DecodingError) { … }
///     }
///     typealias Output = Int
///     static var name: Swift.String { "howManyWithinRange" }
///     static func run(_ input: Input) -> Int {
///         howManyWithinRange(row: input.row, minimum: input.minimum, maximum: input.maximum)
///     }
/// }
/// let $howManyWithinRange = howManyWithinRange_WorkerTask.self
/// ```
///
/// One parameter is the `Input` itself (`typealias Input = [Int]`), so a map over plain values
/// sends them as they are; no parameter is an empty `Input`; a `Void` result is
/// `ParallelKit.NoOutput`. `run` has the function's `async` and `throws`.
public struct WorkerFunctionMacro: PeerMacro {
    /// The suffix of the generated type's name.
    static let typeSuffix = "_WorkerTask"

    public static func expansion(
        of node: AttributeSyntax, providingPeersOf declaration: some DeclSyntaxProtocol,
        in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        do throws(WorkerFunctionProblems) {
            let signature = try WorkerFunctionSignature.read(declaration, lexicalContext: context.lexicalContext)
            return WorkerFunctionExpansion(signature).declarations
        } catch {
            for diagnostic in error.diagnostics { context.diagnose(diagnostic) }
            return []
        }
    }
}

/// The source `@WorkerFunction` generates for one signature.
struct WorkerFunctionExpansion {
    let signature: WorkerFunctionSignature

    init(_ signature: WorkerFunctionSignature) { self.signature = signature }

    /// `public `, `package `, `fileprivate ` or nothing.
    private var access: String { signature.access.map { $0 + " " } ?? "" }
    private var typeName: String { signature.name + WorkerFunctionMacro.typeSuffix }
    private var handleName: String { "$" + signature.name }
    /// `$name`, or `Type.$name` for a static member.
    private var qualifiedHandle: String { (signature.owners + [handleName]).joined(separator: ".") }
    private var isMember: Bool { !signature.owners.isEmpty }

    var declarations: [DeclSyntax] {
        let task = """
            /// `\(signature.fullName)` as a `WorkerTask`, made by `@WorkerFunction`: pass `\(qualifiedHandle)` to a `ProcessPool`.
            \(access)struct \(typeName): ParallelKit.WorkerTask {
            \(checks)
            \(inputDeclaration)
                \(access)typealias Output = \(outputType)
                \(access)static var name: Swift.String { "\(signature.taskName)" }
                \(access)static func run(_ input: Input)\(effects) -> Output {
            \(runBody)
                }
            }
            """
        let handle = """
            /// The task of `\(signature.fullName)`: `pool.map(\(qualifiedHandle), …)`, `WorkerTasks.serveIfWorker(\(qualifiedHandle))`.
            \(access)\(isMember ? "static " : "")let \(handleName) = \(typeName).self
            """
        return [DeclSyntax(stringLiteral: task), DeclSyntax(stringLiteral: handle)]
    }

    private var outputType: String { signature.result?.trimmedDescription ?? "ParallelKit.NoOutput" }

    private var effects: String {
        (signature.isAsync ? " async" : "") + (signature.throwsClause.map { " " + $0 } ?? "")
    }

    /// `Input`: the one parameter's type itself, else a struct of the parameters.
    private var inputDeclaration: String {
        let parameters = signature.parameters
        if parameters.count == 1 {
            return "    \(access)typealias Input = \(parameters[0].type.trimmedDescription)"
        }
        let fields = parameters.map { "        \(access)var \($0.field): \($0.type.trimmedDescription)" }
        let assignments = parameters.map { "            self.\($0.field) = \($0.field)" }
        let labeled = parameters.map { parameter in
            let label = parameter.label ?? "_"
            let name = label == parameter.field ? label : "\(label) \(parameter.field)"
            let value = parameter.defaultValue.map { " = \($0.trimmedDescription)" } ?? ""
            return "\(name): \(parameter.type.trimmedDescription)\(value)"
        }
        var lines = ["    /// The arguments of one call of `\(signature.fullName)`."]
        lines.append("    \(access)struct Input: Swift.Codable, Swift.Sendable, ParallelKit.WireFields {")
        lines += fields
        lines.append("        \(access)init(\(labeled.joined(separator: ", "))) {")
        lines += assignments
        lines.append("        }")
        if parameters.contains(where: { $0.label != nil }) {
            let unlabeled = parameters.map { "_ \($0.field): \($0.type.trimmedDescription)" }
            let arguments = parameters.map { "\($0.label.map { $0 + ": " } ?? "")\($0.field)" }
            lines.append("        \(access)init(\(unlabeled.joined(separator: ", "))) {")
            lines.append("            self.init(\(arguments.joined(separator: ", ")))")
            lines.append("        }")
        }
        let wireFields = parameters.map { WireFieldsExpansion.Field(name: $0.field, type: $0.type) }
        lines += WireFieldsExpansion(fields: wireFields, access: access).members(indent: "        ")
        lines.append("    }")
        return lines.joined(separator: "\n")
    }

    /// A constraint per parameter and for the result, so that a type that cannot be sent is
    /// named in an error that says `Codable` (or `Sendable`).
    private var checks: String {
        var lines = ["    // Parameters and result cross a process boundary: each type must be Codable and Sendable."]
        for parameter in signature.parameters {
            let name = parameter.field.trimmingBackticks
            let type = parameter.type.trimmedDescription
            lines.append(
                "    private typealias Parameter_\(name)_MustBeCodableAndSendable = ParallelKitMacros.CodableAndSendable<\(type)>")
        }
        if let result = signature.result {
            let type = result.trimmedDescription
            lines.append("    private typealias Result_MustBeCodableAndSendable = ParallelKitMacros.CodableAndSendable<\(type)>")
        }
        return lines.joined(separator: "\n")
    }

    private var runBody: String {
        let arguments: [String]
        if signature.parameters.count == 1 {
            let parameter = signature.parameters[0]
            arguments = ["\(parameter.label.map { $0 + ": " } ?? "")input"]
        } else {
            arguments = signature.parameters.map { "\($0.label.map { $0 + ": " } ?? "")input.\($0.field)" }
        }
        let callee = (signature.owners + [signature.identifier]).joined(separator: ".")
        let marks = (signature.throwsClause != nil ? "try " : "") + (signature.isAsync ? "await " : "")
        let call = "\(marks)\(callee)(\(arguments.joined(separator: ", ")))"
        if signature.result == nil {
            return "        \(call)\n        return ParallelKit.NoOutput()"
        }
        return "        \(call)"
    }
}
