/// Column types from a sample of records — never from running the user's function on made-up
/// data (Dask's `meta` pitfall): a column whose sampled non-empty fields are all integers, and
/// none empty, is `.int`; all numbers (empty ones read as `nan`) `.double`; anything else `.string`.
/// A column with only empty fields is `.double`, as in pandas.
enum CSVTypeInference {
    static func types(
        names: [String], declared: [String: ColumnType], sample fields: CSVFields, records: Int,
        in buffer: UnsafeRawBufferPointer
    ) -> [ColumnType] {
        names.enumerated().map { column, name in
            if let type = declared[name] { return type }
            if records == 0 { return .string }
            var type = ColumnType.int
            for record in 0..<records {
                // A short row's missing field reads as empty (`raggedRows: .fill`).
                guard fields.fieldCount(ofRecord: record) > column else {
                    if type == .int { type = .double }
                    continue
                }
                let field = fields.firstField[record] + column
                let bytes = fields.bytes(field, in: buffer)
                if type == .int, bytes.isEmpty || fields.int(field, in: buffer) == nil { type = .double }
                if type == .double, fields.double(field, in: buffer) == nil { return .string }
            }
            return type
        }
    }
}
