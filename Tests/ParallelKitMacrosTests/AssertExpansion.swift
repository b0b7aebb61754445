import ParallelKitMacrosPlugin
import SwiftParser
import SwiftSyntaxMacroExpansion
import SwiftSyntaxMacrosGenericTestSupport
import Testing

// Expansion tests of `@WorkerFunction` and `@WireFields`, through swift-syntax's generic test support.

/// `@WorkerFunction` and `@WireFields` expanded by swift-syntax's test support, its failures recorded as Issues.
func assertExpansion(
    _ source: String, expandedSource: String, diagnostics: [DiagnosticSpec] = [], applyFixIts: [String]? = nil,
    fixedSource: String? = nil,
    fileID: StaticString = #fileID, filePath: StaticString = #filePath, line: UInt = #line, column: UInt = #column
) {
    assertMacroExpansion(
        source, expandedSource: expandedSource, diagnostics: diagnostics,
        macroSpecs: [
            "WorkerFunction": MacroSpec(type: WorkerFunctionMacro.self),
            "WireFields": MacroSpec(type: WireFieldsMacro.self, conformances: ["WireFields"]),
        ],
        applyFixIts: applyFixIts, fixedSource: fixedSource,
        failureHandler: { failure in
            Issue.record(
                Comment(rawValue: failure.message),
                sourceLocation: SourceLocation(
                    fileID: failure.location.fileID, filePath: failure.location.filePath,
                    line: failure.location.line, column: failure.location.column))
        },
        fileID: fileID, filePath: filePath, line: line, column: column)
}

/// The diagnostics of `source`, which expands to itself without the attribute (and, with
/// `fixedSource`, what applying every fix-it of `diagnostics` makes of it).
func assertRejected(
    _ source: String, _ diagnostics: [DiagnosticSpec], fixedSource: String? = nil,
    fileID: StaticString = #fileID, filePath: StaticString = #filePath, line: UInt = #line, column: UInt = #column
) {
    let expanded = source.replacing(/@(WorkerFunction|WireFields)\s+/, with: "")
    assertExpansion(
        source, expandedSource: expanded, diagnostics: diagnostics,
        applyFixIts: fixedSource == nil ? nil : diagnostics.flatMap { $0.fixIts.map(\.message) }, fixedSource: fixedSource,
        fileID: fileID, filePath: filePath, line: line, column: column)
}

/// The check line `@WorkerFunction` writes for a parameter or result.
func check(_ name: String, _ type: String) -> String {
    "    private typealias \(name)_MustBeCodableAndSendable = ParallelKitMacros.CodableAndSendable<\(type)>"
}

let checksComment = "    // Parameters and result cross a process boundary: each type must be Codable and Sendable."

/// The `WireFields` members that `@WorkerFunction` writes into an `Input` of `fields` (name and
/// type; an optional type is written and read `IfPresent`), at the indentation of its members.
/// The three-parameter expansion test spells them out once.
func wireMembers(_ fields: [(name: String, type: String)], access: String = "") -> String {
    var lines = ["\(access)func writeWireFields(to writer: inout ParallelKit.WireFieldWriter) throws(Swift.EncodingError) {"]
    for field in fields {
        let verb = field.type.hasSuffix("?") ? "writeIfPresent" : "write"
        lines.append("    try writer.\(verb)(self.\(field.name), forKey: \"\(field.name)\")")
    }
    lines.append("}")
    lines.append("\(access)init(wireFields reader: inout ParallelKit.WireFieldReader) throws(Swift.DecodingError) {")
    for field in fields {
        let (verb, type) = field.type.hasSuffix("?") ? ("readIfPresent", String(field.type.dropLast())) : ("read", field.type)
        lines.append("    self.\(field.name) = try reader.\(verb)((\(type)).self, forKey: \"\(field.name)\")")
    }
    lines.append("}")
    return lines.map { "        " + $0 }.joined(separator: "\n")
}

/// The messages of the errors `@WireFields` reports for `source`.
func wireFieldsErrors(_ source: String) -> [String] {
    let context = BasicMacroExpansionContext()
    _ = Parser.parse(source: source).expand(
        macroSpecs: ["WireFields": MacroSpec(type: WireFieldsMacro.self, conformances: ["WireFields"])],
        contextGenerator: { BasicMacroExpansionContext(sharingWith: context, lexicalContext: $0.allMacroLexicalContexts()) })
    return context.diagnostics.map(\.message)
}
