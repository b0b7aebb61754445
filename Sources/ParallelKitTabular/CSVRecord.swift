/// One record of a CSV file as ``ParallelKit/Parallel/mapCSVRows(from:to:options:header:chunkBytes:maxBuffered:_:)``
/// hands it to the row function: its fields, read on demand straight from the file's bytes.
///
/// ```swift
/// try await Parallel().mapCSVRows(from: "in.csv", to: "out.csv", header: ["id", "total"]) { record in
///     [try record.string(0), String(try record.double(1) * try record.double(2))]
/// }
/// ```
///
/// Each accessor converts one field and throws a ``CSVError`` naming the field (the apply adds
/// the line) when it cannot: bytes that are not UTF-8, text that is not a number.
///
/// - Note: A record is valid only inside the row function it was given to; it reads the chunk's
///   bytes without holding them.
public struct CSVRecord {
    let buffer: UnsafeRawBufferPointer
    let fields: UnsafePointer<CSVFields>
    let record: Int
    let first: Int
    let found: Int
    /// How many fields the record has (with `raggedRows: .fill`, the header's count).
    public let count: Int

    init(buffer: UnsafeRawBufferPointer, fields: UnsafePointer<CSVFields>, record: Int, width: Int?) {
        self.buffer = buffer
        self.fields = fields
        self.record = record
        first = fields.pointee.firstField[record]
        found = fields.pointee.fieldCount(ofRecord: record)
        count = width ?? found
    }

    /// The field's index among all fields, or `nil` for a missing field of a short row (filled).
    @inline(__always) private func locate(_ field: Int) -> Int? {
        precondition(field >= 0 && field < count, "field \(field) of a record of \(count)")
        return field < found ? first + field : nil
    }

    private func failure(_ code: CSVError.Code, _ field: Int) -> CSVError {
        CSVError(code, line: fields.pointee.recordLines[record] + 1, field: field + 1)
    }

    /// Field `field` (from 0) as text.
    ///
    /// - Throws: ``CSVError/Code/invalidUTF8`` when its bytes are not UTF-8.
    public func string(_ field: Int) throws(CSVError) -> String {
        guard let at = locate(field) else { return "" }
        guard let text = fields.pointee.string(at, in: buffer) else { throw failure(.invalidUTF8, field) }
        return text
    }

    /// Field `field` (from 0) as an integer.
    ///
    /// - Throws: ``CSVError/Code/invalidValue(type:text:)`` when it is not one.
    public func int(_ field: Int) throws(CSVError) -> Int {
        if let at = locate(field), let value = fields.pointee.int(at, in: buffer) { return value }
        throw failure(.invalidValue(type: .int, text: text(field)), field)
    }

    /// Field `field` (from 0) as a number; an empty field is `nan`.
    ///
    /// - Throws: ``CSVError/Code/invalidValue(type:text:)`` when it is not one.
    public func double(_ field: Int) throws(CSVError) -> Double {
        guard let at = locate(field) else { return .nan }
        if let value = fields.pointee.double(at, in: buffer) { return value }
        throw failure(.invalidValue(type: .double, text: text(field)), field)
    }

    /// Every field as text.
    public func strings() throws(CSVError) -> [String] {
        var all: [String] = []
        all.reserveCapacity(count)
        for field in 0..<count { all.append(try string(field)) }
        return all
    }

    /// The field's text for an error message, undecodable bytes replaced.
    private func text(_ field: Int) -> String {
        guard let at = locate(field) else { return "" }
        return String(decoding: fields.pointee.bytes(at, in: buffer), as: UTF8.self)
    }
}
