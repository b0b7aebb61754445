import SwiftDiagnostics

/// An error `@WorkerFunction` reports at compile time: what is wrong, why a worker process cannot
/// take it, and what to write instead.
struct WorkerFunctionDiagnostic: DiagnosticMessage, Error {
    let message: String
    let id: String

    var diagnosticID: MessageID { MessageID(domain: "ParallelKitMacros.WorkerFunction", id: id) }
    var severity: DiagnosticSeverity { .error }

    static func closure(_ name: String) -> Self {
        Self(
            message: "@WorkerFunction needs a function, and '\(name)' is a closure: a closure cannot cross a process "
                + "boundary; declare 'func \(name)(…)' at file scope or as a static member",
            id: "closure")
    }

    static func notAFunction(_ kind: String) -> Self {
        Self(
            message: "@WorkerFunction applies to a global or static function, not to \(kind); to make a type a task, "
                + "conform it to WorkerTask",
            id: "notAFunction")
    }

    static func generic(_ function: String) -> Self {
        Self(
            message: "@WorkerFunction cannot make a task of generic function '\(function)': a worker decodes its input "
                + "with concrete types; write one function per type",
            id: "generic")
    }

    static func instanceMethod(_ function: String) -> Self {
        Self(
            message: "@WorkerFunction needs a global or static function: '\(function)' is an instance method, and a "
                + "worker process has no instance to call it on; make it 'static'",
            id: "instanceMethod")
    }

    static func local(_ function: String) -> Self {
        Self(
            message: "@WorkerFunction needs a global or static function: '\(function)' is local to a function or "
                + "closure, which a worker process cannot reach; move it to file scope",
            id: "local")
    }

    static func genericOwner(_ function: String, owner: String) -> Self {
        Self(
            message: "@WorkerFunction cannot make a task of '\(function)', a member of generic type '\(owner)': a "
                + "worker decodes its input with concrete types; move it to file scope or to a non-generic type",
            id: "genericOwner")
    }

    static func protocolRequirement(_ function: String) -> Self {
        Self(
            message: "@WorkerFunction needs a function with a body: '\(function)' is a protocol requirement",
            id: "protocolRequirement")
    }

    static func noBody(_ function: String) -> Self {
        Self(message: "@WorkerFunction needs a function with a body, and '\(function)' has none", id: "noBody")
    }

    static func mainActor(_ function: String, actor: String) -> Self {
        Self(
            message: "worker function '\(function)' is isolated to @\(actor): a worker runs it on its own threads, "
                + "with no \(actor) to hop to; remove @\(actor)",
            id: "globalActor")
    }

    static func reservedName(_ function: String) -> Self {
        Self(
            message: "a worker function cannot be named '\(function)': the generated task has a member of that name, "
                + "which its call would reach instead; rename the function",
            id: "reservedName")
    }

    static func inoutParameter(_ parameter: String) -> Self {
        Self(
            message: "parameter '\(parameter)' of a worker function cannot be 'inout': a worker process cannot write "
                + "back to the caller's variables; return the new value instead",
            id: "inout")
    }

    static func variadic(_ parameter: String, element: String) -> Self {
        Self(
            message: "parameter '\(parameter)' of a worker function cannot be variadic; take an array, '[\(element)]'",
            id: "variadic")
    }

    static func functionType(_ parameter: String) -> Self {
        Self(
            message: "parameter '\(parameter)' of a worker function has a function type: a closure cannot cross a "
                + "process boundary; pass the data it needs instead (an enum can name the operation)",
            id: "functionParameter")
    }

    static func opaqueParameter(_ parameter: String) -> Self {
        Self(
            message: "parameter '\(parameter)' of a worker function has an opaque type: a worker decodes its input "
                + "with concrete types; name the type",
            id: "opaqueParameter")
    }

    static func tuple(_ parameter: String) -> Self {
        Self(
            message: "parameter '\(parameter)' of a worker function is a tuple, and tuples are not Codable; make it "
                + "two parameters or a Codable struct",
            id: "tupleParameter")
    }

    static func opaqueResult(_ function: String) -> Self {
        Self(
            message: "worker function '\(function)' returns an opaque type: the parent decodes its result with a "
                + "concrete type; name the type",
            id: "opaqueResult")
    }

    static func tupleResult(_ function: String) -> Self {
        Self(
            message: "worker function '\(function)' returns a tuple, and tuples are not Codable; return a Codable "
                + "struct",
            id: "tupleResult")
    }
}

/// The fix-it that makes an instance method static.
struct MakeStaticFixIt: FixItMessage {
    var message: String { "make it 'static'" }
    var fixItID: MessageID { MessageID(domain: "ParallelKitMacros.WorkerFunction", id: "makeStatic") }
}
