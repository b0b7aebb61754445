import ParallelKitMacrosPlugin
import SwiftSyntaxMacroExpansion
import SwiftSyntaxMacrosGenericTestSupport
import Testing

/// `@WorkerFunction` expanded by swift-syntax's test support, its failures recorded as Issues.
private func assertExpansion(
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
private func assertRejected(
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
private func check(_ name: String, _ type: String) -> String {
    "    private typealias \(name)_MustBeCodableAndSendable = ParallelKitMacros.CodableAndSendable<\(type)>"
}

private let checksComment = "    // Parameters and result cross a process boundary: each type must be Codable and Sendable."

@Suite("WorkerFunctionMacro")
struct WorkerFunctionMacroTests {
    @Test("no parameter: an empty Input with init()")
    func zeroParameters() {
        assertExpansion(
            """
            @WorkerFunction
            func theAnswer() -> Int { 42 }
            """,
            expandedSource: """
                func theAnswer() -> Int { 42 }

                /// `theAnswer()` as a `WorkerTask`, made by `@WorkerFunction`: pass `$theAnswer` to a `ProcessPool`.
                struct theAnswer_WorkerTask: ParallelKit.WorkerTask {
                \(checksComment)
                \(check("Result", "Int"))
                    /// The arguments of one call of `theAnswer()`.
                    struct Input: Swift.Codable, Swift.Sendable {
                        init() {
                        }
                    }
                    typealias Output = Int
                    static var name: Swift.String {
                        "theAnswer"
                    }
                    static func run(_ input: Input) -> Output {
                        theAnswer()
                    }
                }

                /// The task of `theAnswer()`: `pool.map($theAnswer, …)`, `WorkerTasks.serveIfWorker($theAnswer)`.
                let $theAnswer = theAnswer_WorkerTask.self
                """)
    }

    @Test("one parameter: the Input is its type itself")
    func oneParameter() {
        assertExpansion(
            """
            @WorkerFunction
            func square(_ n: Int) -> Int { n * n }
            """,
            expandedSource: """
                func square(_ n: Int) -> Int { n * n }

                /// `square(_:)` as a `WorkerTask`, made by `@WorkerFunction`: pass `$square` to a `ProcessPool`.
                struct square_WorkerTask: ParallelKit.WorkerTask {
                \(checksComment)
                \(check("Parameter_n", "Int"))
                \(check("Result", "Int"))
                    typealias Input = Int
                    typealias Output = Int
                    static var name: Swift.String {
                        "square"
                    }
                    static func run(_ input: Input) -> Output {
                        square(input)
                    }
                }

                /// The task of `square(_:)`: `pool.map($square, …)`, `WorkerTasks.serveIfWorker($square)`.
                let $square = square_WorkerTask.self
                """)
    }

    @Test("three parameters, public, with default values: a public Input struct with two initializers")
    func threeParameters() {
        assertExpansion(
            """
            @WorkerFunction
            public func howManyWithinRange(row: [Int], minimum: Int = 4, maximum: Int = 8) -> Int {
                row.count { (minimum...maximum).contains($0) }
            }
            """,
            expandedSource: """
                public func howManyWithinRange(row: [Int], minimum: Int = 4, maximum: Int = 8) -> Int {
                    row.count { (minimum...maximum).contains($0) }
                }

                /// `howManyWithinRange(row:minimum:maximum:)` as a `WorkerTask`, made by `@WorkerFunction`: pass `$howManyWithinRange` to a `ProcessPool`.
                public struct howManyWithinRange_WorkerTask: ParallelKit.WorkerTask {
                \(checksComment)
                \(check("Parameter_row", "[Int]"))
                \(check("Parameter_minimum", "Int"))
                \(check("Parameter_maximum", "Int"))
                \(check("Result", "Int"))
                    /// The arguments of one call of `howManyWithinRange(row:minimum:maximum:)`.
                    public struct Input: Swift.Codable, Swift.Sendable {
                        public var row: [Int]
                        public var minimum: Int
                        public var maximum: Int
                        public init(row: [Int], minimum: Int = 4, maximum: Int = 8) {
                            self.row = row
                            self.minimum = minimum
                            self.maximum = maximum
                        }
                        public init(_ row: [Int], _ minimum: Int, _ maximum: Int) {
                            self.init(row: row, minimum: minimum, maximum: maximum)
                        }
                    }
                    public typealias Output = Int
                    public static var name: Swift.String {
                        "howManyWithinRange"
                    }
                    public static func run(_ input: Input) -> Output {
                        howManyWithinRange(row: input.row, minimum: input.minimum, maximum: input.maximum)
                    }
                }

                /// The task of `howManyWithinRange(row:minimum:maximum:)`: `pool.map($howManyWithinRange, …)`, `WorkerTasks.serveIfWorker($howManyWithinRange)`.
                public let $howManyWithinRange = howManyWithinRange_WorkerTask.self
                """)
    }

    @Test("five parameters: unlabelled, labelled, a label of its own, an optional, an ownership specifier")
    func fiveParameters() {
        assertExpansion(
            """
            @WorkerFunction
            func describe(_ station: String, celsius: Double, samples: consuming [Double], calibrated: Bool, withNote note: String?) -> String { station }
            """,
            expandedSource: """
                func describe(_ station: String, celsius: Double, samples: consuming [Double], calibrated: Bool, withNote note: String?) -> String { station }

                /// `describe(_:celsius:samples:calibrated:withNote:)` as a `WorkerTask`, made by `@WorkerFunction`: pass `$describe` to a `ProcessPool`.
                struct describe_WorkerTask: ParallelKit.WorkerTask {
                \(checksComment)
                \(check("Parameter_station", "String"))
                \(check("Parameter_celsius", "Double"))
                \(check("Parameter_samples", "[Double]"))
                \(check("Parameter_calibrated", "Bool"))
                \(check("Parameter_note", "String?"))
                \(check("Result", "String"))
                    /// The arguments of one call of `describe(_:celsius:samples:calibrated:withNote:)`.
                    struct Input: Swift.Codable, Swift.Sendable {
                        var station: String
                        var celsius: Double
                        var samples: [Double]
                        var calibrated: Bool
                        var note: String?
                        init(_ station: String, celsius: Double, samples: [Double], calibrated: Bool, withNote note: String?) {
                            self.station = station
                            self.celsius = celsius
                            self.samples = samples
                            self.calibrated = calibrated
                            self.note = note
                        }
                        init(_ station: String, _ celsius: Double, _ samples: [Double], _ calibrated: Bool, _ note: String?) {
                            self.init(station, celsius: celsius, samples: samples, calibrated: calibrated, withNote: note)
                        }
                    }
                    typealias Output = String
                    static var name: Swift.String {
                        "describe"
                    }
                    static func run(_ input: Input) -> Output {
                        describe(input.station, celsius: input.celsius, samples: input.samples, calibrated: input.calibrated, withNote: input.note)
                    }
                }

                /// The task of `describe(_:celsius:samples:calibrated:withNote:)`: `pool.map($describe, …)`, `WorkerTasks.serveIfWorker($describe)`.
                let $describe = describe_WorkerTask.self
                """)
    }

    @Test("a Void result: Output is NoOutput, and run returns one after the call")
    func voidResult() {
        assertExpansion(
            """
            @WorkerFunction
            func log(_ line: String, level: Int) -> Void {}
            """,
            expandedSource: """
                func log(_ line: String, level: Int) -> Void {}

                /// `log(_:level:)` as a `WorkerTask`, made by `@WorkerFunction`: pass `$log` to a `ProcessPool`.
                struct log_WorkerTask: ParallelKit.WorkerTask {
                \(checksComment)
                \(check("Parameter_line", "String"))
                \(check("Parameter_level", "Int"))
                    /// The arguments of one call of `log(_:level:)`.
                    struct Input: Swift.Codable, Swift.Sendable {
                        var line: String
                        var level: Int
                        init(_ line: String, level: Int) {
                            self.line = line
                            self.level = level
                        }
                        init(_ line: String, _ level: Int) {
                            self.init(line, level: level)
                        }
                    }
                    typealias Output = ParallelKit.NoOutput
                    static var name: Swift.String {
                        "log"
                    }
                    static func run(_ input: Input) -> Output {
                        log(input.line, level: input.level)
                        return ParallelKit.NoOutput()
                    }
                }

                /// The task of `log(_:level:)`: `pool.map($log, …)`, `WorkerTasks.serveIfWorker($log)`.
                let $log = log_WorkerTask.self
                """)
    }

    @Test("throws and throws(E) carry over to run, which calls with try; unlabelled parameters make one initializer")
    func throwingFunctions() {
        assertExpansion(
            """
            @WorkerFunction
            func halve(_ a: Int, _ b: Int) throws(OddInput) -> [Int] { [a / 2, b / 2] }
            """,
            expandedSource: """
                func halve(_ a: Int, _ b: Int) throws(OddInput) -> [Int] { [a / 2, b / 2] }

                /// `halve(_:_:)` as a `WorkerTask`, made by `@WorkerFunction`: pass `$halve` to a `ProcessPool`.
                struct halve_WorkerTask: ParallelKit.WorkerTask {
                \(checksComment)
                \(check("Parameter_a", "Int"))
                \(check("Parameter_b", "Int"))
                \(check("Result", "[Int]"))
                    /// The arguments of one call of `halve(_:_:)`.
                    struct Input: Swift.Codable, Swift.Sendable {
                        var a: Int
                        var b: Int
                        init(_ a: Int, _ b: Int) {
                            self.a = a
                            self.b = b
                        }
                    }
                    typealias Output = [Int]
                    static var name: Swift.String {
                        "halve"
                    }
                    static func run(_ input: Input) throws(OddInput) -> Output {
                        try halve(input.a, input.b)
                    }
                }

                /// The task of `halve(_:_:)`: `pool.map($halve, …)`, `WorkerTasks.serveIfWorker($halve)`.
                let $halve = halve_WorkerTask.self
                """)
        assertExpansion(
            """
            @WorkerFunction
            func parse(_ text: String) throws -> Int { 0 }
            """,
            expandedSource: """
                func parse(_ text: String) throws -> Int { 0 }

                /// `parse(_:)` as a `WorkerTask`, made by `@WorkerFunction`: pass `$parse` to a `ProcessPool`.
                struct parse_WorkerTask: ParallelKit.WorkerTask {
                \(checksComment)
                \(check("Parameter_text", "String"))
                \(check("Result", "Int"))
                    typealias Input = String
                    typealias Output = Int
                    static var name: Swift.String {
                        "parse"
                    }
                    static func run(_ input: Input) throws -> Output {
                        try parse(input)
                    }
                }

                /// The task of `parse(_:)`: `pool.map($parse, …)`, `WorkerTasks.serveIfWorker($parse)`.
                let $parse = parse_WorkerTask.self
                """)
    }

    @Test("async and async throws: run is async and calls with try await")
    func asyncFunction() {
        assertExpansion(
            """
            @WorkerFunction
            func fetch(id: Int) async throws -> [UInt8] { [] }
            """,
            expandedSource: """
                func fetch(id: Int) async throws -> [UInt8] { [] }

                /// `fetch(id:)` as a `WorkerTask`, made by `@WorkerFunction`: pass `$fetch` to a `ProcessPool`.
                struct fetch_WorkerTask: ParallelKit.WorkerTask {
                \(checksComment)
                \(check("Parameter_id", "Int"))
                \(check("Result", "[UInt8]"))
                    typealias Input = Int
                    typealias Output = [UInt8]
                    static var name: Swift.String {
                        "fetch"
                    }
                    static func run(_ input: Input) async throws -> Output {
                        try await fetch(id: input)
                    }
                }

                /// The task of `fetch(id:)`: `pool.map($fetch, …)`, `WorkerTasks.serveIfWorker($fetch)`.
                let $fetch = fetch_WorkerTask.self
                """)
    }

    @Test("a static member: named Type.function, called through its type, with a static handle; private becomes fileprivate")
    func staticMember() {
        assertExpansion(
            """
            enum Stats {
                @WorkerFunction
                private static func mean(of values: [Double]) async -> Double { 0 }
            }
            """,
            expandedSource: """
                enum Stats {
                    private static func mean(of values: [Double]) async -> Double { 0 }

                    /// `mean(of:)` as a `WorkerTask`, made by `@WorkerFunction`: pass `Stats.$mean` to a `ProcessPool`.
                    fileprivate struct mean_WorkerTask: ParallelKit.WorkerTask {
                        // Parameters and result cross a process boundary: each type must be Codable and Sendable.
                        private typealias Parameter_values_MustBeCodableAndSendable = ParallelKitMacros.CodableAndSendable<[Double]>
                        private typealias Result_MustBeCodableAndSendable = ParallelKitMacros.CodableAndSendable<Double>
                        fileprivate typealias Input = [Double]
                        fileprivate typealias Output = Double
                        fileprivate static var name: Swift.String {
                            "Stats.mean"
                        }
                        fileprivate static func run(_ input: Input) async -> Output {
                            await Stats.mean(of: input)
                        }
                    }

                    /// The task of `mean(of:)`: `pool.map(Stats.$mean, …)`, `WorkerTasks.serveIfWorker(Stats.$mean)`.
                    fileprivate static let $mean = mean_WorkerTask.self
                }
                """)
        assertExpansion(
            """
            extension Outer.Inner {
                @WorkerFunction
                static func id(_ value: Int) -> Int { value }
            }
            """,
            expandedSource: """
                extension Outer.Inner {
                    static func id(_ value: Int) -> Int { value }

                    /// `id(_:)` as a `WorkerTask`, made by `@WorkerFunction`: pass `Outer.Inner.$id` to a `ProcessPool`.
                    struct id_WorkerTask: ParallelKit.WorkerTask {
                        // Parameters and result cross a process boundary: each type must be Codable and Sendable.
                        private typealias Parameter_value_MustBeCodableAndSendable = ParallelKitMacros.CodableAndSendable<Int>
                        private typealias Result_MustBeCodableAndSendable = ParallelKitMacros.CodableAndSendable<Int>
                        typealias Input = Int
                        typealias Output = Int
                        static var name: Swift.String {
                            "Outer.Inner.id"
                        }
                        static func run(_ input: Input) -> Output {
                            Outer.Inner.id(input)
                        }
                    }

                    /// The task of `id(_:)`: `pool.map(Outer.Inner.$id, …)`, `WorkerTasks.serveIfWorker(Outer.Inner.$id)`.
                    static let $id = id_WorkerTask.self
                }
                """)
    }
}

@Suite("WorkerFunctionMacro diagnostics")
struct WorkerFunctionMacroDiagnosticsTests {
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
