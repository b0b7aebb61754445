/// Why a CSV file could not be read, converted or written, and where: the line (counted from
/// 1, the header included, as an editor counts them) and the field (counted from 1).
///
/// ```swift
/// do {
///     _ = try Table(csv: "a,b\n1,2\n3\n")
/// } catch {
///     print(error)        // line 3: 1 field where the header has 2
/// }
/// ```
public struct CSVError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: Sendable, Hashable, Codable {
        /// A quoted field with no closing quote before the end of the file (or of `maxRecordBytes`).
        case unterminatedQuote
        /// Something other than a delimiter or a line end right after a closing quote.
        case textAfterQuote
        /// A row with more or fewer fields than the header (or schema) where ragged rows are refused.
        case wrongFieldCount(expected: Int, found: Int)
        /// A field whose bytes are not UTF-8.
        case invalidUTF8
        /// A field that is not a value of its column's type.
        case invalidValue(type: ColumnType, text: String)
        /// The row function threw; its error, described.
        case rowFailed(String)
        /// The file could not be opened, read, written or renamed.
        case io(SystemFailure)
        /// The header is missing or names a column twice.
        case badHeader(String)
    }

    /// A failed system call, as text (`open: No such file or directory (errno 2)`).
    public struct SystemFailure: Sendable, Hashable, Codable {
        public var call: String
        public var errno: Int32
        public var description: String
    }

    /// What went wrong.
    public var code: Code
    /// The line the record starts on, counted from 1; `nil` for a file-level error.
    public var line: Int?
    /// The field, counted from 1; `nil` when the error is about the whole record or file.
    public var field: Int?
    /// The field's column name, when the file has a header.
    public var columnName: String?
    /// The file, when the error came from one.
    public var path: String?

    public init(_ code: Code, line: Int? = nil, field: Int? = nil, columnName: String? = nil, path: String? = nil) {
        self.code = code
        self.line = line
        self.field = field
        self.columnName = columnName
        self.path = path
    }

    public var description: String {
        var place: [String] = []
        if let path { place.append(path) }
        if let line { place.append("line \(line)") }
        if let field { place.append("field \(field)" + (columnName.map { " (\($0))" } ?? "")) }
        let prefix = place.isEmpty ? "" : place.joined(separator: ", ") + ": "
        return prefix + reason
    }

    private var reason: String {
        switch code {
        case .unterminatedQuote: return "a quoted field is not closed"
        case .textAfterQuote: return "text after a closing quote (a quote inside a quoted field is written \"\")"
        case .wrongFieldCount(let expected, let found):
            return "\(found) field\(found == 1 ? "" : "s") where the header has \(expected)"
        case .invalidUTF8: return "the field is not valid UTF-8"
        case .invalidValue(let type, let text): return "'\(text)' is not a value of type \(type)"
        case .rowFailed(let why): return "the row function failed: \(why)"
        case .io(let failure): return failure.description
        case .badHeader(let why): return why
        }
    }

    /// The error with its line moved down by `lines` (a chunk's lines are counted from its start).
    func shifted(by lines: Int) -> CSVError {
        var moved = self
        moved.line = line.map { $0 + lines }
        return moved
    }
}
