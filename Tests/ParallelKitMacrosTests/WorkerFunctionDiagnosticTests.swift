import SwiftSyntaxMacrosGenericTestSupport
import Testing

// The errors `@WorkerFunction` reports (WorkerFunctionDiagnostic.swift), where, and its fix-it.
@Suite("WorkerFunctionDiagnostic")
struct WorkerFunctionDiagnosticTests {
    @Test("a generic function, and a function with an opaque parameter")
    func generic() {
        assertRejected(
            """
            @WorkerFunction
            func identity<T: Codable>(_ value: T) -> T { value }
            """,
            [
                DiagnosticSpec(
                    message: "@WorkerFunction cannot make a task of generic function 'identity': a worker decodes its "
                        + "input with concrete types; write one function per type",
                    line: 2, column: 14)
            ])
        assertRejected(
            """
            @WorkerFunction
            func total(_ values: some Collection<Int>) -> Int { 0 }
            """,
            [
                DiagnosticSpec(
                    message: "parameter 'values' of a worker function has an opaque type: a worker decodes its input "
                        + "with concrete types; name the type",
                    line: 2, column: 22)
            ])
    }

    @Test("a closure, and a declaration that is no function")
    func notAFunction() {
        assertRejected(
            """
            @WorkerFunction
            let square = { (x: Int) in x * x }
            """,
            [
                DiagnosticSpec(
                    message: "@WorkerFunction needs a function, and 'square' is a closure: a closure cannot cross a "
                        + "process boundary; declare 'func square(…)' at file scope or as a static member",
                    line: 1, column: 1)
            ])
        assertRejected(
            """
            @WorkerFunction
            struct Square {}
            """,
            [
                DiagnosticSpec(
                    message: "@WorkerFunction applies to a global or static function, not to a struct; to make a type "
                        + "a task, conform it to WorkerTask",
                    line: 1, column: 1)
            ])
    }

    @Test("an instance method, with a fix-it that makes it static")
    func instanceMethod() {
        assertRejected(
            """
            struct Geometry {
                @WorkerFunction
                func area(width: Double, height: Double) -> Double { width * height }
            }
            """,
            [
                DiagnosticSpec(
                    message: "@WorkerFunction needs a global or static function: 'area' is an instance method, and a "
                        + "worker process has no instance to call it on; make it 'static'",
                    line: 3, column: 5, fixIts: [FixItSpec(message: "make it 'static'")])
            ],
            fixedSource: """
                struct Geometry {
                    @WorkerFunction
                    static func area(width: Double, height: Double) -> Double { width * height }
                }
                """)
        assertRejected(
            """
            extension Geometry {
                @WorkerFunction public func perimeter(width: Double, height: Double) -> Double { 2 * (width + height) }
            }
            """,
            [
                DiagnosticSpec(
                    message: "@WorkerFunction needs a global or static function: 'perimeter' is an instance method, "
                        + "and a worker process has no instance to call it on; make it 'static'",
                    line: 2, column: 28, fixIts: [FixItSpec(message: "make it 'static'")])
            ],
            fixedSource: """
                extension Geometry {
                    @WorkerFunction public static func perimeter(width: Double, height: Double) -> Double { 2 * (width + height) }
                }
                """)
    }

    @Test("a local function, a protocol requirement, a member of a generic type")
    func placement() {
        assertRejected(
            """
            func outer() {
                @WorkerFunction
                func inner(_ x: Int) -> Int { x }
            }
            """,
            [
                DiagnosticSpec(
                    message: "@WorkerFunction needs a global or static function: 'inner' is local to a function or "
                        + "closure, which a worker process cannot reach; move it to file scope",
                    line: 3, column: 10)
            ])
        assertRejected(
            """
            protocol Shape {
                @WorkerFunction
                static func area(_ side: Double) -> Double
            }
            """,
            [
                DiagnosticSpec(
                    message: "@WorkerFunction needs a function with a body, and 'area' has none", line: 3, column: 17),
                DiagnosticSpec(
                    message: "@WorkerFunction needs a function with a body: 'area' is a protocol requirement",
                    line: 3, column: 17),
            ])
        assertRejected(
            """
            struct Box<Value> {
                @WorkerFunction
                static func count(_ values: [Int]) -> Int { values.count }
            }
            """,
            [
                DiagnosticSpec(
                    message: "@WorkerFunction cannot make a task of 'count', a member of generic type 'Box': a worker "
                        + "decodes its input with concrete types; move it to file scope or to a non-generic type",
                    line: 3, column: 17)
            ])
    }

    @Test("inout, variadic and function-typed parameters, a tuple, and all of one function's problems at once")
    func parameters() {
        assertRejected(
            """
            @WorkerFunction
            func accumulate(_ total: inout Int, _ values: Int..., by combine: @escaping (Int, Int) -> Int, pair: (Int, Int)) {}
            """,
            [
                DiagnosticSpec(
                    message: "parameter 'total' of a worker function cannot be 'inout': a worker process cannot write "
                        + "back to the caller's variables; return the new value instead",
                    line: 2, column: 26),
                DiagnosticSpec(
                    message: "parameter 'values' of a worker function cannot be variadic; take an array, '[Int]'",
                    line: 2, column: 50),
                DiagnosticSpec(
                    message: "parameter 'combine' of a worker function has a function type: a closure cannot cross a "
                        + "process boundary; pass the data it needs instead (an enum can name the operation)",
                    line: 2, column: 67),
                DiagnosticSpec(
                    message: "parameter 'pair' of a worker function is a tuple, and tuples are not Codable; make it two "
                        + "parameters or a Codable struct",
                    line: 2, column: 102),
            ])
    }

    @Test("@MainActor, a name the task itself uses, an opaque or tuple result")
    func functionShape() {
        assertRejected(
            """
            @WorkerFunction @MainActor
            func render(_ x: Int) -> Int { x }
            """,
            [
                DiagnosticSpec(
                    message: "worker function 'render' is isolated to @MainActor: a worker runs it on its own threads, "
                        + "with no MainActor to hop to; remove @MainActor",
                    line: 1, column: 17)
            ])
        assertRejected(
            """
            @WorkerFunction
            func run(_ x: Int) -> Int { x }
            """,
            [
                DiagnosticSpec(
                    message: "a worker function cannot be named 'run': the generated task has a member of that name, "
                        + "which its call would reach instead; rename the function",
                    line: 2, column: 6)
            ])
        assertRejected(
            """
            @WorkerFunction
            func shape(_ x: Int) -> some Equatable { x }
            """,
            [
                DiagnosticSpec(
                    message: "worker function 'shape' returns an opaque type: the parent decodes its result with a "
                        + "concrete type; name the type",
                    line: 2, column: 25)
            ])
        assertRejected(
            """
            @WorkerFunction
            func split(_ x: Int) -> (Int, Int) { (x, x) }
            """,
            [
                DiagnosticSpec(
                    message: "worker function 'split' returns a tuple, and tuples are not Codable; return a Codable "
                        + "struct",
                    line: 2, column: 25)
            ])
    }
}
