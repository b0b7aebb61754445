import SwiftDiagnostics
import SwiftSyntax

/// What `@WorkerFunction` needs to know about the function it is attached to, read from its
/// declaration and where it stands; or the diagnostics saying why it cannot be a task.
struct WorkerFunctionSignature {
    struct Parameter {
        /// The argument label, `nil` for `_`.
        var label: String?
        /// The name of its field in the generated `Input`.
        var field: String
        /// The type, without ownership specifiers (`borrowing`, `consuming`, `sending`).
        var type: TypeSyntax
        var defaultValue: ExprSyntax?
    }

    /// The function's name as written (backticks kept), for the call.
    var identifier: String
    /// The function's name without backticks.
    var name: String
    /// `name(label:label:)`, for doc comments.
    var fullName: String
    /// The enclosing types, outermost first; empty at file scope.
    var owners: [String]
    var parameters: [Parameter]
    /// `nil` for a function that returns `Void`.
    var result: TypeSyntax?
    var isAsync: Bool
    /// `throws` or `throws(E)` as written (`rethrows` becomes `throws`); `nil` when it cannot throw.
    var throwsClause: String?
    /// `public`, `package` or `fileprivate`; `nil` for internal.
    var access: String?

    /// The task's name on the wire: the function's name, `Type.name` for a static member.
    var taskName: String { (owners + [name]).joined(separator: ".") }

    /// Names a generated task declares, which a global function's call would reach instead.
    static let reservedNames: Set<String> = ["run", "name", "signature", "_runBatch", "Input", "Output"]
}

extension WorkerFunctionSignature {
    /// Reads `declaration`, which stands in `lexicalContext` (innermost first), or throws the
    /// diagnostics that say why it cannot be a worker function.
    static func read(
        _ declaration: some DeclSyntaxProtocol, lexicalContext: [Syntax]
    ) throws(WorkerFunctionProblems) -> WorkerFunctionSignature {
        guard let function = declaration.as(FunctionDeclSyntax.self) else {
            throw WorkerFunctionProblems([notAFunction(declaration)])
        }
        var problems: [Diagnostic] = []
        let name = function.name.text.trimmingBackticks
        if let generics = function.genericParameterClause {
            problems.append(Diagnostic(node: generics, message: WorkerFunctionDiagnostic.generic(name)))
        } else if let clause = function.genericWhereClause {
            problems.append(Diagnostic(node: clause, message: WorkerFunctionDiagnostic.generic(name)))
        }
        if function.body == nil {
            problems.append(Diagnostic(node: function.name, message: WorkerFunctionDiagnostic.noBody(name)))
        }
        for attribute in function.attributes {
            if case .attribute(let attribute) = attribute,
                let actor = attribute.attributeName.as(IdentifierTypeSyntax.self)?.name.text,
                actor == "MainActor"
            {
                problems.append(Diagnostic(node: attribute, message: WorkerFunctionDiagnostic.mainActor(name, actor: actor)))
            }
        }
        let owners = readOwners(of: function, in: lexicalContext, problems: &problems)
        if owners.isEmpty, reservedNames.contains(name) {
            problems.append(Diagnostic(node: function.name, message: WorkerFunctionDiagnostic.reservedName(name)))
        }
        let parameters = function.signature.parameterClause.parameters.enumerated().compactMap { index, parameter in
            readParameter(parameter, index: index, problems: &problems)
        }
        var result = function.signature.returnClause?.type
        if let type = result {
            if type.isVoid {
                result = nil
            } else if let opaque = type.as(SomeOrAnyTypeSyntax.self), opaque.someOrAnySpecifier.text == "some" {
                problems.append(Diagnostic(node: type, message: WorkerFunctionDiagnostic.opaqueResult(name)))
            } else if let tuple = type.as(TupleTypeSyntax.self), tuple.elements.count > 1 {
                problems.append(Diagnostic(node: type, message: WorkerFunctionDiagnostic.tupleResult(name)))
            }
        }
        guard problems.isEmpty else { throw WorkerFunctionProblems(problems) }

        let effects = function.signature.effectSpecifiers
        var throwsClause: String?
        if let clause = effects?.throwsClause {
            throwsClause = clause.throwsSpecifier.text == "rethrows" ? "throws" : clause.trimmedDescription
        }
        let labels = function.signature.parameterClause.parameters.map { "\($0.firstName.text):" }.joined()
        return WorkerFunctionSignature(
            identifier: function.name.text, name: name, fullName: "\(name)(\(labels))", owners: owners,
            parameters: parameters, result: result, isAsync: effects?.asyncSpecifier != nil,
            throwsClause: throwsClause, access: access(of: function.modifiers))
    }

    /// The diagnostic for a declaration that is not a function.
    private static func notAFunction(_ declaration: some DeclSyntaxProtocol) -> Diagnostic {
        if let variable = declaration.as(VariableDeclSyntax.self), let binding = variable.bindings.first {
            let name = binding.pattern.trimmedDescription
            return Diagnostic(node: declaration, message: WorkerFunctionDiagnostic.closure(name))
        }
        let kind: String
        switch declaration.kind {
        case .structDecl: kind = "a struct"
        case .classDecl: kind = "a class"
        case .enumDecl: kind = "an enum"
        case .actorDecl: kind = "an actor"
        case .extensionDecl: kind = "an extension"
        case .initializerDecl: kind = "an initializer"
        case .subscriptDecl: kind = "a subscript"
        case .typeAliasDecl: kind = "a type alias"
        case .protocolDecl: kind = "a protocol"
        default: kind = "this declaration"
        }
        return Diagnostic(node: declaration, message: WorkerFunctionDiagnostic.notAFunction(kind))
    }

    /// The enclosing types' names, outermost first, after checking that the function is global
    /// or a static member of a non-generic type.
    private static func readOwners(
        of function: FunctionDeclSyntax, in lexicalContext: [Syntax], problems: inout [Diagnostic]
    ) -> [String] {
        let name = function.name.text.trimmingBackticks
        var contexts = lexicalContext[...]
        // Some hosts list the attached declaration itself first.
        if let first = contexts.first?.as(FunctionDeclSyntax.self), first.name.text == function.name.text,
            first.signature.trimmedDescription == function.signature.trimmedDescription
        {
            contexts = contexts.dropFirst()
        }
        var owners: [String] = []
        for context in contexts {
            if context.is(FunctionDeclSyntax.self) || context.is(ClosureExprSyntax.self)
                || context.is(AccessorDeclSyntax.self) || context.is(InitializerDeclSyntax.self)
                || context.is(DeinitializerDeclSyntax.self) || context.is(SubscriptDeclSyntax.self)
                || context.is(PatternBindingSyntax.self)
            {
                problems.append(Diagnostic(node: function.name, message: WorkerFunctionDiagnostic.local(name)))
                return []
            }
            if context.is(ProtocolDeclSyntax.self) {
                problems.append(Diagnostic(node: function.name, message: WorkerFunctionDiagnostic.protocolRequirement(name)))
                return []
            }
            let owner: String
            var isGeneric = false
            if let type = context.asProtocol(NamedDeclSyntax.self) {
                owner = type.name.text
                isGeneric = context.asProtocol(WithGenericParametersSyntax.self)?.genericParameterClause != nil
            } else if let extensionDecl = context.as(ExtensionDeclSyntax.self) {
                owner = extensionDecl.extendedType.trimmedDescription
                isGeneric = extensionDecl.genericWhereClause != nil
            } else {
                continue
            }
            if isGeneric {
                problems.append(
                    Diagnostic(node: function.name, message: WorkerFunctionDiagnostic.genericOwner(name, owner: owner)))
                return []
            }
            owners.insert(owner, at: 0)
        }
        let isStatic = function.modifiers.contains { ["static", "class"].contains($0.name.text) }
        if !owners.isEmpty, !isStatic {
            // `static ` goes before `func`, after the line break and indentation that `func` had.
            let keyword = function.funcKeyword
            let modifier = DeclModifierSyntax(name: .keyword(.static, leadingTrivia: keyword.leadingTrivia, trailingTrivia: .space))
            let fixIt = FixIt(
                message: MakeStaticFixIt(),
                changes: [
                    .replace(oldNode: Syntax(function.modifiers), newNode: Syntax(function.modifiers + [modifier])),
                    .replaceLeadingTrivia(token: keyword, newTrivia: []),
                ])
            problems.append(
                Diagnostic(node: function.funcKeyword, message: WorkerFunctionDiagnostic.instanceMethod(name), fixIt: fixIt))
        }
        return owners
    }

    /// One parameter, or `nil` after adding the diagnostics that say why it cannot be sent.
    private static func readParameter(
        _ parameter: FunctionParameterSyntax, index: Int, problems: inout [Diagnostic]
    ) -> Parameter? {
        let label = parameter.firstName.tokenKind == .wildcard ? nil : parameter.firstName.text
        let internalName = (parameter.secondName ?? parameter.firstName).text
        let field = internalName != "_" ? internalName : label ?? "argument\(index)"
        let shown = field.trimmingBackticks
        if let ellipsis = parameter.ellipsis {
            problems.append(
                Diagnostic(node: ellipsis, message: WorkerFunctionDiagnostic.variadic(shown, element: parameter.type.trimmedDescription)))
            return nil
        }
        var type = parameter.type
        if let attributed = type.as(AttributedTypeSyntax.self) {
            for specifier in attributed.specifiers {
                if case .simpleTypeSpecifier(let simple) = specifier, simple.specifier.text == "inout" {
                    problems.append(Diagnostic(node: simple, message: WorkerFunctionDiagnostic.inoutParameter(shown)))
                    return nil
                }
            }
            if attributed.attributes.contains(where: { $0.trimmedDescription == "@autoclosure" })
                || attributed.baseType.isFunctionType
            {
                problems.append(Diagnostic(node: parameter.type, message: WorkerFunctionDiagnostic.functionType(shown)))
                return nil
            }
            // Ownership specifiers (`borrowing`, `consuming`, `sending`) do not belong on a field.
            type = attributed.attributes.isEmpty ? attributed.baseType : TypeSyntax(attributed.with(\.specifiers, []))
        }
        if type.isFunctionType {
            problems.append(Diagnostic(node: parameter.type, message: WorkerFunctionDiagnostic.functionType(shown)))
            return nil
        }
        if let opaque = type.as(SomeOrAnyTypeSyntax.self), opaque.someOrAnySpecifier.text == "some" {
            problems.append(Diagnostic(node: parameter.type, message: WorkerFunctionDiagnostic.opaqueParameter(shown)))
            return nil
        }
        if let tuple = type.as(TupleTypeSyntax.self), tuple.elements.count > 1 {
            problems.append(Diagnostic(node: parameter.type, message: WorkerFunctionDiagnostic.tuple(shown)))
            return nil
        }
        return Parameter(label: label, field: field, type: type.trimmed, defaultValue: parameter.defaultValue?.value.trimmed)
    }

    /// The generated declarations' access level: the function's, but never `private` (a
    /// `private` or `fileprivate` function gets `fileprivate` types, reachable from its file).
    private static func access(of modifiers: DeclModifierListSyntax) -> String? {
        for modifier in modifiers where modifier.detail == nil {
            switch modifier.name.text {
            case "public", "open": return "public"
            case "package": return "package"
            case "private", "fileprivate": return "fileprivate"
            default: continue
            }
        }
        return nil
    }
}

/// The diagnostics of a declaration that cannot be a worker function.
struct WorkerFunctionProblems: Error {
    var diagnostics: [Diagnostic]
    init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
}

extension TypeSyntax {
    /// `Void`, `Swift.Void` or `()`.
    var isVoid: Bool {
        if let tuple = self.as(TupleTypeSyntax.self) { return tuple.elements.isEmpty }
        let text = trimmedDescription
        return text == "Void" || text == "Swift.Void"
    }

    /// A function type, also in parentheses or as an optional (`((Int) -> Int)?`).
    var isFunctionType: Bool {
        if self.is(FunctionTypeSyntax.self) { return true }
        if let attributed = self.as(AttributedTypeSyntax.self) { return attributed.baseType.isFunctionType }
        if let optional = self.as(OptionalTypeSyntax.self) { return optional.wrappedType.isFunctionType }
        if let optional = self.as(ImplicitlyUnwrappedOptionalTypeSyntax.self) { return optional.wrappedType.isFunctionType }
        if let tuple = self.as(TupleTypeSyntax.self), tuple.elements.count == 1, let only = tuple.elements.first {
            return only.type.isFunctionType
        }
        return false
    }
}

extension String {
    var trimmingBackticks: String {
        hasPrefix("`") && hasSuffix("`") && count > 1 ? String(dropFirst().dropLast()) : self
    }
}
