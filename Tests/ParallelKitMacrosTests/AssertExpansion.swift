import ParallelKitMacrosPlugin
import SwiftSyntaxMacroExpansion
import SwiftSyntaxMacrosGenericTestSupport
import Testing

// Expansion tests of `@WorkerFunction`, through swift-syntax's generic test support.

/// `@WorkerFunction` expanded by swift-syntax's test support, its failures recorded as Issues.
func assertExpansion(
    _ source: String, expandedSource: String, diagnostics: [DiagnosticSpec] = [], applyFixIts: [String]? = nil,
    fixedSource: String? = nil,
    fileID: StaticString = #fileID, filePath: StaticString = #filePath, line: UInt = #line, column: UInt = #column
) {
    assertMacroExpansion(
        source, expandedSource: expandedSource, diagnostics: diagnostics,
        macroSpecs: ["WorkerFunction": MacroSpec(type: WorkerFunctionMacro.self)],
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
    let expanded = source.replacing(/@WorkerFunction\s+/, with: "")
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
