import Testing

// What `@WorkerFunction` expands to (WorkerFunctionMacro.swift); its errors are in
// WorkerFunctionDiagnosticTests.swift.
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
                    struct Input: Swift.Codable, Swift.Sendable, ParallelKit.WireFields {
                        init() {
                        }
                \(wireMembers([]))
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
                    public struct Input: Swift.Codable, Swift.Sendable, ParallelKit.WireFields {
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
                        public func writeWireFields(to writer: inout ParallelKit.WireFieldWriter) throws(Swift.EncodingError) {
                            try writer.write(self.row, forKey: "row")
                            try writer.write(self.minimum, forKey: "minimum")
                            try writer.write(self.maximum, forKey: "maximum")
                        }
                        public init(wireFields reader: inout ParallelKit.WireFieldReader) throws(Swift.DecodingError) {
                            self.row = try reader.read(([Int]).self, forKey: "row")
                            self.minimum = try reader.read((Int).self, forKey: "minimum")
                            self.maximum = try reader.read((Int).self, forKey: "maximum")
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
                    struct Input: Swift.Codable, Swift.Sendable, ParallelKit.WireFields {
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
                \(wireMembers([("station", "String"), ("celsius", "Double"), ("samples", "[Double]"), ("calibrated", "Bool"), ("note", "String?")]))
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
                    struct Input: Swift.Codable, Swift.Sendable, ParallelKit.WireFields {
                        var line: String
                        var level: Int
                        init(_ line: String, level: Int) {
                            self.line = line
                            self.level = level
                        }
                        init(_ line: String, _ level: Int) {
                            self.init(line, level: level)
                        }
                \(wireMembers([("line", "String"), ("level", "Int")]))
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
                    struct Input: Swift.Codable, Swift.Sendable, ParallelKit.WireFields {
                        var a: Int
                        var b: Int
                        init(_ a: Int, _ b: Int) {
                            self.a = a
                            self.b = b
                        }
                \(wireMembers([("a", "Int"), ("b", "Int")]))
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
