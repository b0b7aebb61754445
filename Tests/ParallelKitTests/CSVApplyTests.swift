import Foundation
import ParallelKit
import ParallelKitTabular
import Testing

@Suite("CSV apply")
struct CSVApplyTests {
    static let backends: [Parallel.Backend] = [.serial, .threads, .threadPool]

    /// A fresh directory for one test, removed after it; `body` gets its path.
    static func inDirectory(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pk-csv-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await body(directory)
    }

    static func write(_ text: String, _ path: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }
    static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
    static func files(_ directory: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory).sorted() }

    /// 300 rows: an id, a quoted name with a comma and, every 7th, an embedded line end; two numbers.
    static let input: String = {
        var text = "\u{FEFF}id,name,a,b\r\n"
        for id in 0..<300 { text += "\(id),\"n \(id),\(id % 7 == 0 ? "\n" : "")x\",\(id).5,\(id * 3)\r\n" }
        return text
    }()

    static func expected() -> String {
        var text = "id,total,name\n"
        for id in 0..<300 {
            let name = "n \(id),\(id % 7 == 0 ? "\n" : "")x"
            text += "\(id),\(Double(id) + 0.5 + Double(id * 3)),\"\(name)\"\n"
        }
        return text
    }

    @Test("the output equals the serial loop's, in input order, for chunks of many sizes", arguments: backends)
    func sameAsSerial(backend: Parallel.Backend) async throws {
        try await Self.inDirectory { directory in
            try Self.write(Self.input, "\(directory)/in.csv")
            for chunkBytes in [1, 7, 64, 1000, 1 << 20] {
                let rows = try await Parallel(jobs: 2, backend: backend).mapCSVRows(
                    from: "\(directory)/in.csv", to: "\(directory)/out.csv", header: ["id", "total", "name"],
                    chunkBytes: chunkBytes, maxBuffered: 3
                ) { record in
                    [try record.string(0), String(try record.double(2) + Double(try record.int(3))), try record.string(1)]
                }
                #expect(rows == 300)
                #expect(try Self.read("\(directory)/out.csv") == Self.expected(), "chunks of \(chunkBytes)")
                #expect(try Self.files(directory) == ["in.csv", "out.csv"])
            }
        }
    }

    /// The line row `id` of ``input`` starts on: after the header and the rows before it, a
    /// seventh of which hold a line end.
    static func line(ofRow id: Int) -> Int { 2 + id + (id + 6) / 7 }

    @Test("malformed input gives its line and field and leaves no output file", arguments: [
        ("unterminated quote", 300, "1,\"open,2,3", CSVError.Code.unterminatedQuote, 2 as Int?),
        ("ragged", 250, "1,2", .wrongFieldCount(expected: 4, found: 2), nil),
        ("not a number", 20, "1,x,y,3", .invalidValue(type: .double, text: "y"), 3),
        ("not UTF-8", 299, "1,\u{1},1,1", .invalidUTF8, 2),
    ])
    func malformed(label: String, before: Int, row: String, code: CSVError.Code, field: Int?) async throws {
        let line = Self.line(ofRow: before)
        try await Self.inDirectory { directory in
            var lines = Self.input.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
            lines.insert(row, at: before + 1)
            var bytes = Array(lines.joined(separator: "\r\n").utf8)
            if code == .invalidUTF8, let control = bytes.firstIndex(of: 1) { bytes[control] = 0xFF }
            try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/in.csv"))
            for chunkBytes in [50, 1 << 20] {
                let error = await #expect(throws: CSVError.self, "\(label), chunks of \(chunkBytes)") {
                    _ = try await Parallel(jobs: 2).mapCSVRows(
                        from: "\(directory)/in.csv", to: "\(directory)/out.csv", chunkBytes: chunkBytes
                    ) { record in
                        [try record.string(1), String(try record.double(2))]
                    }
                }
                #expect(error?.code == code, "\(label)")
                #expect(error?.line == line, "\(label)")
                #expect(error?.field == field, "\(label)")
                #expect(error?.path == "\(directory)/in.csv")
                #expect(try Self.files(directory) == ["in.csv"], "\(label): no output, no temporary file")
            }
        }
    }

    @Test("an error the row function throws names the line; declared types are checked first")
    func rowFunctionError() async throws {
        struct Refused: Error {}
        try await Self.inDirectory { directory in
            try Self.write(Self.input, "\(directory)/in.csv")
            try Self.write("old", "\(directory)/out.csv")
            let error = await #expect(throws: CSVError.self) {
                _ = try await Parallel(jobs: 2).mapCSVRows(from: "\(directory)/in.csv", to: "\(directory)/out.csv", chunkBytes: 100) {
                    record in
                    if try record.int(0) == 100 { throw Refused() }
                    return []
                }
            }
            // Row 100 starts on line 2 + 100 + 15 (rows 0, 7, …, 98 hold a line end each).
            #expect(error?.line == 117)
            #expect(error.map { if case .rowFailed = $0.code { true } else { false } } == true)
            #expect(try Self.read("\(directory)/out.csv") == "old", "the old output is left as it was")
            let typed = await #expect(throws: CSVError.self) {
                _ = try await Parallel(jobs: 2).mapCSVRows(
                    from: "\(directory)/in.csv", to: "\(directory)/new.csv", options: CSVOptions(types: ["name": .int])
                ) { _ in [] }
            }
            #expect(typed?.code == .invalidValue(type: .int, text: "n 0,\nx"))
            #expect(typed?.line == 2)
            #expect(typed?.field == 2)
            #expect(typed?.columnName == "name")
            #expect(try Self.files(directory) == ["in.csv", "out.csv"])
        }
    }

    @Test("text that is not ASCII is read as it is, plain, quoted or with doubled quotes; a cut sequence is refused")
    func nonASCII() async throws {
        try await Self.inDirectory { directory in
            try Self.write("a,b\ncafé,\"naïve, \"\"ß\"\"\"\n日本,\"€\"\n", "\(directory)/in.csv")
            for chunkBytes in [1, 1 << 20] {
                let rows = try await Parallel(jobs: 2).mapCSVRows(
                    from: "\(directory)/in.csv", to: "\(directory)/out.csv", chunkBytes: chunkBytes, maxBuffered: 1
                ) { record in
                    [try record.string(1), try record.string(0)]
                }
                #expect(rows == 2)
                #expect(try Self.read("\(directory)/out.csv") == "\"naïve, \"\"ß\"\"\",café\n€,日本\n")
            }
            // A four-byte sequence cut after three bytes, then ASCII: as long as its repair (U+FFFD).
            let cut = Array("a,b\nok,x\n".utf8) + [0xF0, 0x9F, 0x98] + Array("y,z\n".utf8)
            try Data(cut).write(to: URL(fileURLWithPath: "\(directory)/in.csv"))
            let error = await #expect(throws: CSVError.self) {
                _ = try await Parallel(jobs: 2).mapCSVRows(from: "\(directory)/in.csv", to: "\(directory)/bad.csv") {
                    record in [try record.string(0)]
                }
            }
            #expect(error?.code == .invalidUTF8)
            #expect(error?.line == 3)
            #expect(error?.field == 1)
            #expect(try Self.files(directory) == ["in.csv", "out.csv"])
        }
    }

    @Test("a missing input file is an error naming it, before any output is made")
    func missingInput() async throws {
        try await Self.inDirectory { directory in
            let error = await #expect(throws: CSVError.self) {
                _ = try await Parallel().mapCSVRows(from: "\(directory)/none.csv", to: "\(directory)/out.csv") { _ in [] }
            }
            #expect(error?.path == "\(directory)/none.csv")
            let left = try Self.files(directory)
            #expect(left.isEmpty)
        }
    }
}
