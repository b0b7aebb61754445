/// Columns filled from parsed CSV records, each field converted to its column's type.
struct CSVTableBuilder {
    private let names: [String]
    private var columns: [Column]

    init(names: [String], types: [ColumnType]) {
        self.names = names
        columns = types.map { Column(empty: $0) }
    }

    var table: Table { Table(names: names, columns: columns) }

    /// Appends every record of `fields`.
    ///
    /// - Throws: ``CSVError`` with the line counted from the buffer's start: a ragged row, a field
    ///   that is not UTF-8 or not of its column's type.
    mutating func append(_ fields: CSVFields, in buffer: UnsafeRawBufferPointer, options: CSVOptions) throws(CSVError) {
        let width = names.count
        for record in 0..<fields.recordCount {
            let line = fields.recordLines[record] + 1
            let found = fields.fieldCount(ofRecord: record)
            if found != width, options.raggedRows == .error || found > width {
                throw CSVError(.wrongFieldCount(expected: width, found: found), line: line)
            }
            let first = fields.firstField[record]
            for column in 0..<width {
                let field = first + column
                let present = column < found
                func invalid(_ type: ColumnType) -> CSVError {
                    let text = present ? String(decoding: fields.bytes(field, in: buffer), as: UTF8.self) : ""
                    return CSVError(.invalidValue(type: type, text: text), line: line, field: column + 1)
                }
                switch columns[column] {
                case .int(var values):
                    guard present, let value = fields.int(field, in: buffer) else { throw invalid(.int) }
                    columns[column] = .int([])
                    values.append(value)
                    columns[column] = .int(values)
                case .double(var values):
                    let value = present ? fields.double(field, in: buffer) : .nan
                    guard let value else { throw invalid(.double) }
                    columns[column] = .double([])
                    values.append(value)
                    columns[column] = .double(values)
                case .string(var values):
                    let value = present ? fields.string(field, in: buffer) : ""
                    guard let value else { throw CSVError(.invalidUTF8, line: line, field: column + 1) }
                    columns[column] = .string([])
                    values.append(value)
                    columns[column] = .string(values)
                }
            }
        }
    }
}
