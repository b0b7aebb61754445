import ParallelKitSystem

extension Table {
    /// Reads a table from CSV text — `pd.read_csv(io.StringIO(text))`.
    ///
    /// ```swift
    /// let table = try Table(csv: "city,people\nLyon,522250\n\"Paris, France\",2102650\n")
    /// table.column(named: "people")        // .int([522250, 2102650])
    /// ```
    ///
    /// Column types are declared in `options.types` or inferred from the first
    /// `options.sampleRows` rows (``CSVOptions``). Quoted fields, embedded line ends, CRLF, a
    /// byte-order mark and blank lines are read as pandas reads them.
    ///
    /// - Throws: ``CSVError`` naming the line and field: an unterminated quote, text after a
    ///   closing quote, a ragged row (unless `raggedRows: .fill`), a field that is not UTF-8 or
    ///   not of its column's type.
    public init(csv text: String, options: CSVOptions = CSVOptions()) throws(CSVError) {
        try self.init(reading: CSVChunkReader(bytes: Array(text.utf8), chunkBytes: 1 << 20), options: options)
    }

    /// Reads a table from CSV bytes, which need not be UTF-8 outside text fields.
    public init(csvBytes bytes: [UInt8], options: CSVOptions = CSVOptions()) throws(CSVError) {
        try self.init(reading: CSVChunkReader(bytes: bytes, chunkBytes: 1 << 20), options: options)
    }

    /// Reads a table from the CSV file at `path`, a chunk at a time — `pd.read_csv(path)`.
    ///
    /// - Throws: what ``init(csv:options:)`` throws, and ``CSVError/Code/io(_:)``, with the path.
    public init(contentsOfCSVFile path: String, options: CSVOptions = CSVOptions()) throws(CSVError) {
        do {
            try self.init(reading: CSVChunkReader(path: path, chunkBytes: 1 << 20), options: options)
        } catch {
            var located = error
            located.path = path
            throw located
        }
    }

    init(reading reader: CSVChunkReader, options: CSVOptions) throws(CSVError) {
        let header = try CSVHeader(reading: reader, options: options)
        var builder: CSVTableBuilder?
        var lines = header.lines
        var fields = CSVFields()
        var pending = header.firstRecord
        while true {
            let next: CSVChunk?
            if let first = pending {
                next = first
                pending = nil
            } else {
                next = try reader.nextChunk()
            }
            guard let chunk = next else { break }
            fields.removeAll()
            try chunk.bytes.withBytes { (buffer) throws(CSVError) in
                do throws(CSVError) {
                    try CSVParser.parse(buffer, delimiter: options.delimiter, into: &fields)
                    if builder == nil {
                        let types = CSVTypeInference.types(
                            names: header.names, declared: options.types, sample: fields,
                            records: min(fields.recordCount, options.sampleRows), in: buffer)
                        builder = CSVTableBuilder(names: header.names, types: types)
                    }
                    try builder!.append(fields, in: buffer, options: options)
                } catch {
                    throw error.shifted(by: lines).named(header.names)
                }
            }
            lines += fields.lineCount
        }
        self = builder?.table ?? Table(names: header.names, columns: header.names.map { _ in .string([]) })
    }

    /// The table as CSV text, a header line first — `df.to_csv(index=False)`. `nan` is written
    /// as an empty field, as pandas writes it.
    public func csvText(delimiter: Character = ",") -> String {
        String(decoding: csvBytes(delimiter: delimiter), as: UTF8.self)
    }

    /// Writes the table as CSV to `path`, whole or not at all (a temporary file renamed).
    ///
    /// - Throws: ``CSVError/Code/io(_:)``.
    public func writeCSV(to path: String, delimiter: Character = ",") throws(CSVError) {
        let file = try CSVOutputFile(path: path)
        try file.write(csvBytes(delimiter: delimiter))
        try file.commit()
    }

    func csvBytes(delimiter: Character) -> [UInt8] {
        let separator = delimiter.asciiValue ?? UInt8(ascii: ",")
        var output: [UInt8] = []
        CSVWriter.append(columnNames, delimiter: separator, to: &output)
        var cells = [String](repeating: "", count: columns.count)
        for row in 0..<rowCount {
            for (index, column) in columns.enumerated() {
                switch column {
                case .int(let values): cells[index] = String(values[row])
                case .double(let values): cells[index] = values[row].isNaN ? "" : String(values[row])
                case .string(let values): cells[index] = values[row]
                }
            }
            CSVWriter.append(cells, delimiter: separator, to: &output)
        }
        return output
    }
}

extension CSVError {
    /// The error with its field's column name, when it has a field.
    func named(_ names: [String]) -> CSVError {
        guard let field, columnName == nil, field >= 1, field <= names.count else { return self }
        var named = self
        named.columnName = names[field - 1]
        return named
    }
}
