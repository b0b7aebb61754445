/// Writes CSV records as pandas' `to_csv` does: fields joined by the delimiter, quoted only when
/// they hold the delimiter, a quote or a line end (a quote doubled), each record ended by LF.
enum CSVWriter {
    /// Appends one record of `fields` to `output`.
    static func append(_ fields: some Sequence<String>, delimiter: UInt8, to output: inout [UInt8]) {
        var first = true
        for field in fields {
            if !first { output.append(delimiter) }
            first = false
            appendField(field, delimiter: delimiter, to: &output)
        }
        output.append(UInt8(ascii: "\n"))
    }

    /// Appends one field, quoted when it must be.
    static func appendField(_ field: String, delimiter: UInt8, to output: inout [UInt8]) {
        var field = field
        field.withUTF8 { bytes in
            let needsQuotes = bytes.contains {
                $0 == delimiter || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r")
            }
            guard needsQuotes else {
                output.append(contentsOf: bytes)
                return
            }
            output.append(UInt8(ascii: "\""))
            for byte in bytes {
                output.append(byte)
                if byte == UInt8(ascii: "\"") { output.append(byte) }
            }
            output.append(UInt8(ascii: "\""))
        }
    }
}
