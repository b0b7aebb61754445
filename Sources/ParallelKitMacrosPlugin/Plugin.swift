import SwiftCompilerPlugin
import SwiftSyntaxMacros

/// The compiler plugin of ParallelKitMacros.
@main
struct ParallelKitMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [WorkerFunctionMacro.self, WireFieldsMacro.self]
}
