/// What one chunk of a CSV apply needs besides its bytes: the same for every chunk.
struct CSVApplyContext: Sendable, Codable {
    /// A column whose declared type is checked on every row.
    struct Check: Sendable, Codable {
        var column: Int
        var type: ColumnType
    }

    var delimiter: UInt8
    var outputDelimiter: UInt8
    /// The header's (or first record's) field count.
    var width: Int
    var raggedRows: CSVOptions.RaggedRows
    /// Declared types, checked on every row before the row function sees it.
    var checks: [Check]
}

/// One chunk's outcome: its output bytes and lines, or the first error, its line counted from
/// the chunk's start. Public only as a ``CSVRowTask``'s output, the way it comes back from a
/// worker process; not for users to make or read.
public struct CSVApplyResult: Sendable, Codable {
    var output: [UInt8] = []
    var lines = 0
    var rows = 0
    var error: CSVError?
}

enum CSVApplyChunk {
    /// Parses `chunk`, runs `transform` on each record in order and writes its fields. Never
    /// throws: an error is returned with the chunk's line count, so that the caller names it in
    /// the file's lines.
    static func run(
        _ chunk: CSVChunk, _ context: CSVApplyContext, _ buffers: CSVApplyBuffers,
        _ transform: (CSVRecord) throws -> [String]
    ) -> CSVApplyResult {
        var result = CSVApplyResult()
        var fields = buffers.takeFields()
        defer { buffers.giveBack(fields) }
        chunk.bytes.withUnsafeBytes { buffer in
            do throws(CSVError) {
                try CSVParser.parse(buffer, delimiter: context.delimiter, into: &fields)
                result.lines = fields.lineCount
                if chunk.cutInsideRecord {
                    throw CSVError(.unterminatedQuote, line: (fields.recordLines.last ?? 0) + 1)
                }
            } catch {
                result.error = error
                return
            }
            result.output = buffers.takeBytes(.output, capacity: buffer.count)
            withUnsafePointer(to: &fields) { pointer in
                let width = context.raggedRows == .fill ? context.width : nil
                for record in 0..<pointer.pointee.recordCount {
                    let line = pointer.pointee.recordLines[record] + 1
                    let found = pointer.pointee.fieldCount(ofRecord: record)
                    if found != context.width, context.raggedRows == .error || found > context.width {
                        result.error = CSVError(.wrongFieldCount(expected: context.width, found: found), line: line)
                        return
                    }
                    let row = CSVRecord(buffer: buffer, fields: pointer, record: record, width: width)
                    do {
                        for check in context.checks {
                            switch check.type {
                            case .int: _ = try row.int(check.column)
                            case .double: _ = try row.double(check.column)
                            case .string: _ = try row.string(check.column)
                            }
                        }
                        CSVWriter.append(try transform(row), delimiter: context.outputDelimiter, to: &result.output)
                        result.rows += 1
                    } catch let error as CSVError {
                        result.error = error
                        return
                    } catch {
                        result.error = CSVError(.rowFailed(String(describing: error)), line: line)
                        return
                    }
                }
            }
        }
        return result
    }
}
