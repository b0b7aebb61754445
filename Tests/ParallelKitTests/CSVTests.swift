import ParallelKit
import Testing

@testable import ParallelKitTabular

@Suite("CSV")
struct CSVTests {
    /// Every awkward case in one file: quoted delimiters, doubled quotes, an embedded LF and
    /// CRLF, a CRLF line end, an empty field, a blank line, non-ASCII text.
    static let awkward =
        "name,note,price\r\n\"Smith, J\",\"said \"\"hi\"\"\",1.5\n\"two\nlines\",\"crlf\r\ninside\",2\r\n\nplain,,3\nñandú,日本,-4e2\n"

    @Test("quoted fields, doubled quotes, embedded line ends, CRLF, empty fields and blank lines")
    func awkwardCases() throws {
        let table = try Table(csv: Self.awkward)
        #expect(table.columnNames == ["name", "note", "price"])
        #expect(table.columns[0] == .string(["Smith, J", "two\nlines", "plain", "ñandú"]))
        #expect(table.columns[1] == .string(["said \"hi\"", "crlf\r\ninside", "", "日本"]))
        #expect(table.columns[2] == .double([1.5, 2, 3, -400]))
    }

    @Test("CSV written and read back gives the same table, every awkward case included")
    func roundTrip() throws {
        let table = try Table(csv: Self.awkward)
        #expect(try Table(csv: table.csvText()) == table)
        let numbers = Table(
            names: ["i", "d", "s"],
            columns: [.int([0, -7, .max, .min]), .double([0.1, -2.5e-300, 1e300, 12]), .string(["", ",", "\"", "a\nb"])])
        let back = try Table(csv: numbers.csvText())
        #expect(back == numbers)
        #expect(try Table(csv: numbers.csvText(delimiter: ";"), options: CSVOptions(delimiter: ";")) == numbers)
    }

    @Test("a byte-order mark is not part of the first name; a missing last line end is fine")
    func byteOrderMark() throws {
        let table = try Table(csvBytes: [0xEF, 0xBB, 0xBF] + Array("a,b\n1,2".utf8))
        #expect(table.columnNames == ["a", "b"])
        #expect(table.columns == [.int([1]), .int([2])])
    }

    @Test("types are inferred from the sample, or declared; empty numbers are nan")
    func types() throws {
        let table = try Table(csv: "i,d,s,e,m\n1,1.5,x,,1\n2,2,y,,\n")
        #expect(table.columns.map(\.type) == [.int, .double, .string, .double, .double])
        #expect(table.columns[4].doubles![1].isNaN)
        let declared = try Table(csv: "i,d\n1,2\n", options: CSVOptions(types: ["i": .string, "d": .double]))
        #expect(declared.columns == [.string(["1"]), .double([2])])
        let noHeader = try Table(csv: "1,2\n3,4\n", options: CSVOptions(hasHeader: false))
        #expect(noHeader.columnNames == ["0", "1"])
        #expect(noHeader.columns == [.int([1, 3]), .int([2, 4])])
    }

    @Test("ragged rows: an error naming the line, or filled when asked")
    func raggedRows() throws {
        let text = "a,b\n1,2\n\"x\ny\",4\n5\n"
        let error = #expect(throws: CSVError.self) { try Table(csv: text) }
        #expect(error?.code == .wrongFieldCount(expected: 2, found: 1))
        #expect(error?.line == 5)
        let filled = try Table(csv: text, options: CSVOptions(types: ["a": .string], raggedRows: .fill))
        #expect(filled.columns[0] == .string(["1", "x\ny", "5"]))
        #expect(filled.rowCount == 3)
        #expect(filled.columns[1].doubles![2].isNaN)
    }

    @Test("malformed files give their line and field", arguments: [
        ("a,b\n1,2\n3,\"open\n4,5\n", CSVError.Code.unterminatedQuote, 3, 2),
        ("a,b\n1,\"x\"y\n", .textAfterQuote, 2, 2),
        // b is inferred an integer from a one-row sample: the quoted "x\ny" is not one.
        ("a,b\n1,2\n3,\"x\ny\"\n", .invalidValue(type: .int, text: "x\ny"), 3, 2),
    ])
    func malformed(text: String, code: CSVError.Code, line: Int, field: Int) {
        let error = #expect(throws: CSVError.self) { try Table(csv: text, options: CSVOptions(sampleRows: 1)) }
        #expect(error?.code == code)
        #expect(error?.line == line)
        #expect(error?.field == field)
        #expect(error.map { "\($0)" }?.contains("line \(line), field \(field)") == true)
    }

    @Test("invalid UTF-8 in a text field is an error naming its line, field and column")
    func invalidUTF8() {
        let bytes = Array("name,n\nok,1\n".utf8) + [0x66, 0xFF, 0xFE] + Array(",2\n".utf8)
        let error = #expect(throws: CSVError.self) { try Table(csvBytes: bytes) }
        #expect(error?.code == .invalidUTF8)
        #expect(error?.line == 3)
        #expect(error?.field == 1)
        #expect(error?.columnName == "name")
    }

    @Test("a file read in chunks of every size gives the same table as read whole")
    func everyChunkSize() throws {
        let text = String(repeating: String(Self.awkward.split(separator: "\r\n", maxSplits: 1)[1]), count: 3)
        let bytes = Array(("h1,h2,h3\r\n" + text).utf8)
        let whole = try Table(csvBytes: bytes)
        for size in 1...(bytes.count + 1) {
            #expect(try Table(reading: CSVChunkReader(bytes: bytes, chunkBytes: size), options: CSVOptions()) == whole)
        }
    }

    @Test("chunks end at record boundaries: inside a quoted field, on a CRLF's CR, at the very end")
    func chunkBoundaries() throws {
        let bytes = Array("a,\"x\ny\"\r\nb,c\r\nd,e".utf8)
        func chunks(_ size: Int) throws -> [String] {
            let reader = CSVChunkReader(bytes: bytes, chunkBytes: size)
            var cut: [String] = []
            while let chunk = try reader.nextChunk() { cut.append(String(decoding: chunk.bytes, as: UTF8.self)) }
            return cut
        }
        // 4 bytes end inside the quoted field: the chunk runs to the end of its record.
        #expect(try chunks(4) == ["a,\"x\ny\"\r\n", "b,c\r\n", "d,e"])
        // 8 bytes end on the CR of the first CRLF, 13 on the second's: the LF goes with its CR.
        #expect(try chunks(8) == ["a,\"x\ny\"\r\n", "b,c\r\nd,e"])
        #expect(try chunks(13) == ["a,\"x\ny\"\r\n", "b,c\r\nd,e"])
        // 14 bytes end on the second LF; the rest is the last, unterminated record.
        #expect(try chunks(14) == ["a,\"x\ny\"\r\nb,c\r\n", "d,e"])
        #expect(try chunks(bytes.count) == [String(decoding: bytes, as: UTF8.self)])
        #expect(try chunks(1000) == [String(decoding: bytes, as: UTF8.self)])
        for size in 1...bytes.count + 1 { #expect(try chunks(size).joined() == String(decoding: bytes, as: UTF8.self)) }
    }
}
