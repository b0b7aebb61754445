/// The start of a CSV input as every reader needs it: the column names and how many fields a
/// row has, and how many lines they took.
struct CSVHeader {
    /// The names: the header's, or `"0"`, `"1"`, … without one.
    var names: [String]
    /// The lines before the first data record (the header's, blank lines included).
    var lines: Int
    /// Without a header, the first record, which is data: it is handed on as the first chunk.
    var firstRecord: CSVChunk?

    /// Reads the header (or, without one, the first record) from `reader`.
    ///
    /// - Throws: ``CSVError``: a malformed or undecodable header, a name given twice, an empty input with
    ///   a header expected, a read error.
    init(reading reader: CSVChunkReader, options: CSVOptions) throws(CSVError) {
        lines = 0
        firstRecord = nil
        names = []
        guard let first = try reader.nextRecord() else {
            if options.hasHeader { throw CSVError(.badHeader("the input is empty: no header")) }
            return
        }
        var fields = CSVFields()
        try first.bytes.withBytes { (buffer) throws(CSVError) in
            try CSVParser.parse(buffer, delimiter: options.delimiter, into: &fields)
            let width = fields.recordCount > 0 ? fields.fieldCount(ofRecord: 0) : 0
            guard options.hasHeader else {
                names = (0..<width).map(String.init)
                return
            }
            for field in 0..<width {
                guard let name = fields.string(field, in: buffer) else {
                    throw CSVError(.invalidUTF8, line: (fields.recordLines.first ?? 0) + 1, field: field + 1)
                }
                names.append(name)
            }
        }
        if options.hasHeader {
            if names.isEmpty { throw CSVError(.badHeader("the input has no header")) }
            var seen = Set<String>()
            for (index, name) in names.enumerated() where !seen.insert(name).inserted {
                throw CSVError(.badHeader("the header names '\(name)' twice"), line: 1, field: index + 1)
            }
            lines = fields.lineCount
        } else {
            firstRecord = first
        }
    }
}
