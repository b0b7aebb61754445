import ParallelKitSystem

/// RFC 4180 CSV, as pandas reads it: fields between delimiters, `"`-quoted fields that may hold
/// delimiters, quotes written `""` and line ends; records ended by LF or CRLF; blank lines
/// skipped. A quote inside an unquoted field is kept as text.
///
/// The parser sees one buffer that starts at a record boundary (``CSVChunkReader`` cuts them);
/// lines in its errors are counted from the buffer's start, and moved by the caller.
enum CSVParser {
    private static let quote = UInt8(ascii: "\"")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// Appends the records of `buffer` to `fields`.
    ///
    /// - Throws: ``CSVError`` `.unterminatedQuote` or `.textAfterQuote`, naming the record's line
    ///   (counted from 1 at the buffer's start) and the field.
    static func parse(
        _ buffer: UnsafeRawBufferPointer, delimiter: UInt8, into fields: inout CSVFields
    ) throws(CSVError) {
        let count = buffer.count
        guard count > 0, let bytes = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var index = 0
        var line = 0
        while index < count {
            // A blank line is no record.
            if bytes[index] == lineFeed {
                index += 1
                line += 1
                continue
            }
            if bytes[index] == carriageReturn, index + 1 < count, bytes[index + 1] == lineFeed {
                index += 2
                line += 1
                continue
            }
            let recordLine = line
            fields.startRecord(line: recordLine)
            var field = 0
            record: while true {
                if index < count, bytes[index] == quote {
                    // A quoted field: up to the quote that is not doubled.
                    let start = index + 1
                    var searched = start
                    var kind = CSVFields.Kind.quoted
                    while true {
                        guard searched < count, let found = memchr(bytes + searched, Int32(quote), count - searched) else {
                            throw CSVError(.unterminatedQuote, line: recordLine + 1, field: field + 1)
                        }
                        let closing = bytes.distance(to: found.assumingMemoryBound(to: UInt8.self))
                        if closing + 1 < count, bytes[closing + 1] == quote {
                            kind = .escaped
                            searched = closing + 2
                            continue
                        }
                        line += lineEnds(bytes + start, closing - start)
                        fields.addField(start, closing, kind)
                        index = closing + 1
                        break
                    }
                    if index >= count { break record }
                    let next = bytes[index]
                    if next == delimiter {
                        index += 1
                        field += 1
                        if index >= count {
                            fields.addField(index, index, .plain)
                            break record
                        }
                        continue record
                    }
                    if next == lineFeed {
                        index += 1
                        line += 1
                        break record
                    }
                    if next == carriageReturn, index + 1 >= count || bytes[index + 1] == lineFeed {
                        index += index + 1 >= count ? 1 : 2
                        line += 1
                        break record
                    }
                    throw CSVError(.textAfterQuote, line: recordLine + 1, field: field + 1)
                } else {
                    let start = index
                    while index < count {
                        let byte = bytes[index]
                        if byte == delimiter || byte == lineFeed { break }
                        index += 1
                    }
                    var end = index
                    if end > start, bytes[end - 1] == carriageReturn, index >= count || bytes[index] == lineFeed {
                        end -= 1
                    }
                    fields.addField(start, end, .plain)
                    if index >= count { break record }
                    if bytes[index] == delimiter {
                        index += 1
                        field += 1
                        if index >= count {
                            fields.addField(index, index, .plain)
                            break record
                        }
                        continue record
                    }
                    index += 1
                    line += 1
                    break record
                }
            }
            fields.endRecord()
        }
        fields.lineCount += line
    }

    /// How many line feeds the `count` bytes at `start` hold.
    private static func lineEnds(_ start: UnsafePointer<UInt8>, _ count: Int) -> Int {
        var found = 0
        var searched = 0
        while searched < count, let hit = memchr(start + searched, Int32(lineFeed), count - searched) {
            found += 1
            searched = start.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
        }
        return found
    }
}
