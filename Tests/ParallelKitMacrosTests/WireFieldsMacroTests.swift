import SwiftSyntaxMacrosGenericTestSupport
import Testing

// What `@WireFields` expands to, and what it refuses (WireFieldsMacro.swift).
@Suite("WireFieldsMacro")
struct WireFieldsMacroTests {
    @Test("one write and one read per stored property, in order; optionals IfPresent; computed, static and methods skipped")
    func storedProperties() {
        assertExpansion(
            """
            @WireFields
            public struct RangeCount: Codable, Sendable {
                static let unit = 1
                public var row: [Int]
                var minimum, maximum: Int
                var note: String? { didSet {} }
                var width: Int { maximum - minimum }
                func encode(_ value: Int) -> Int { value }
            }
            """,
            expandedSource: """
                public struct RangeCount: Codable, Sendable {
                    static let unit = 1
                    public var row: [Int]
                    var minimum, maximum: Int
                    var note: String? { didSet {} }
                    var width: Int { maximum - minimum }
                    func encode(_ value: Int) -> Int { value }
                }

                extension RangeCount: ParallelKit.WireFields {
                    public func writeWireFields(to writer: inout ParallelKit.WireFieldWriter) throws(Swift.EncodingError) {
                        try writer.write(self.row, forKey: "row")
                        try writer.write(self.minimum, forKey: "minimum")
                        try writer.write(self.maximum, forKey: "maximum")
                        try writer.writeIfPresent(self.note, forKey: "note")
                    }
                    public init(wireFields reader: inout ParallelKit.WireFieldReader) throws(Swift.DecodingError) {
                        self.row = try reader.read(([Int]).self, forKey: "row")
                        self.minimum = try reader.read((Int).self, forKey: "minimum")
                        self.maximum = try reader.read((Int).self, forKey: "maximum")
                        self.note = try reader.readIfPresent((String).self, forKey: "note")
                    }
                }
                """)
    }

    @Test("a backticked name is keyed without its backticks; Optional<T> and T! are optionals")
    func namesAndOptionals() {
        assertExpansion(
            """
            @WireFields
            struct Flags: Codable {
                var `default`: Optional<Bool>
                var last: Int!
            }
            """,
            expandedSource: """
                struct Flags: Codable {
                    var `default`: Optional<Bool>
                    var last: Int!
                }

                extension Flags: ParallelKit.WireFields {
                    func writeWireFields(to writer: inout ParallelKit.WireFieldWriter) throws(Swift.EncodingError) {
                        try writer.writeIfPresent(self.`default`, forKey: "default")
                        try writer.writeIfPresent(self.last, forKey: "last")
                    }
                    init(wireFields reader: inout ParallelKit.WireFieldReader) throws(Swift.DecodingError) {
                        self.`default` = try reader.readIfPresent((Bool).self, forKey: "default")
                        self.last = try reader.readIfPresent((Int).self, forKey: "last")
                    }
                }
                """)
    }

    @Test("what it refuses, each with an error that says what to do", arguments: [
        ("enum E: Codable { case a }", "applies to a struct"),
        ("struct S: Codable { var a: Int; enum CodingKeys: String, CodingKey { case a = \"A\" } }", "its own CodingKeys"),
        ("struct S: Codable { var a: Int; func encode(to encoder: any Encoder) throws {} }", "its own encode(to:)"),
        ("struct S: Codable { var a: Int; init(from decoder: any Decoder) throws { a = 0 } }", "its own init(from:)"),
        ("struct S: Codable { lazy var a: Int = 1 }", "a lazy property"),
        ("struct S: Codable { @Clamped var a: Int }", "a property wrapper"),
        ("struct S: Codable { let a = 1 }", "a 'let' with an initial value"),
        ("struct S: Codable { var a = 1 }", "needs the type of 'a'"),
    ])
    func refused(_ source: String, _ message: String) {
        let errors = wireFieldsErrors("@WireFields\n" + source)
        #expect(errors.count == 1 && errors[0].contains(message) && errors[0].contains(";"), "\(errors)")
    }
}
