import ParallelKitSystem

/// The records and fields found in one buffer of CSV bytes: byte ranges, not copies. Filled by
/// ``CSVParser``; the buffer must outlive every read of a field.
struct CSVFields {
    /// How a field's bytes are read: as they are, or with the quotes' `""` made `"`.
    enum Kind: UInt8 {
        case plain = 0, quoted = 1, escaped = 2
    }

    /// Per field: where its text starts and ends in the buffer (quotes excluded), and its kind.
    private(set) var starts: [Int] = []
    private(set) var ends: [Int] = []
    private(set) var kinds: [Kind] = []
    /// Per record: its first field's index; one more entry, the end, after the last record.
    private(set) var firstField: [Int] = [0]
    /// Per record: the line it starts on, counted from 0 at the buffer's start.
    private(set) var recordLines: [Int] = []
    /// How many line ends the parsed bytes hold, quoted ones included.
    var lineCount = 0

    var recordCount: Int { recordLines.count }

    func fieldCount(ofRecord record: Int) -> Int { firstField[record + 1] - firstField[record] }

    mutating func reserve(records: Int, fields: Int) {
        starts.reserveCapacity(fields)
        ends.reserveCapacity(fields)
        kinds.reserveCapacity(fields)
        firstField.reserveCapacity(records + 1)
        recordLines.reserveCapacity(records)
    }

    @inline(__always) mutating func startRecord(line: Int) { recordLines.append(line) }
    @inline(__always) mutating func endRecord() { firstField.append(starts.count) }

    @inline(__always) mutating func addField(_ start: Int, _ end: Int, _ kind: Kind) {
        starts.append(start)
        ends.append(end)
        kinds.append(kind)
    }

    mutating func removeAll() {
        starts.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        kinds.removeAll(keepingCapacity: true)
        firstField.removeAll(keepingCapacity: true)
        firstField.append(0)
        recordLines.removeAll(keepingCapacity: true)
        lineCount = 0
    }
}

/// Reading one field's bytes as a value. Every function takes the buffer the fields index.
extension CSVFields {
    /// The raw bytes of field `field`, quotes excluded and `""` not yet undone.
    @inline(__always) func bytes(_ field: Int, in buffer: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[starts[field]..<ends[field]])
    }

    /// Field `field` as text, or `nil` when its bytes are not UTF-8.
    func string(_ field: Int, in buffer: UnsafeRawBufferPointer) -> String? {
        let raw = bytes(field, in: buffer)
        guard kinds[field] == .escaped else { return Self.text(raw) }
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            unescaped.append(raw[index])
            // Inside a quoted field every quote is doubled: keep one of the pair.
            index += raw[index] == UInt8(ascii: "\"") ? 2 : 1
        }
        return unescaped.withUnsafeBytes { Self.text($0) }
    }

    /// `raw` as text, or `nil` when it is not UTF-8. ASCII, which most fields are, is decoded
    /// by `String(decoding:as:)`'s concrete UTF-8 path: `String(validating:as:)` is generic and
    /// not specialized in the standard library, and looked up `Unicode.UTF8`'s metadata and
    /// witnesses in the runtime's cache on every call — about 5% of the `csv-rows` profile, on
    /// every worker at once.
    @inline(__always) static func text(_ raw: UnsafeRawBufferPointer) -> String? {
        var ascii = true
        for byte in raw where byte >= 0x80 {
            ascii = false
            break
        }
        return ascii ? String(decoding: raw, as: UTF8.self) : String(validating: raw, as: UTF8.self)
    }

    /// Field `field` as an integer: an optional sign and decimal digits, nothing else.
    func int(_ field: Int, in buffer: UnsafeRawBufferPointer) -> Int? {
        CSVNumbers.int(bytes(field, in: buffer))
    }

    /// Field `field` as a number (`strtod`'s syntax, the whole field); an empty field is `nan`.
    func double(_ field: Int, in buffer: UnsafeRawBufferPointer) -> Double? {
        CSVNumbers.double(bytes(field, in: buffer))
    }
}

/// Numbers read straight from bytes, with no `String` in between.
enum CSVNumbers {
    static func int(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var index = bytes.startIndex
        guard index < bytes.endIndex else { return nil }
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative || bytes[index] == UInt8(ascii: "+") { index += 1 }
        guard index < bytes.endIndex else { return nil }
        var value = 0
        while index < bytes.endIndex {
            let digit = Int(bytes[index]) &- 48
            guard digit >= 0, digit <= 9 else { return nil }
            let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowAdd) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflowTimes, !overflowAdd else { return nil }
            value = next
            index += 1
        }
        return value
    }

    static func double(_ bytes: UnsafeRawBufferPointer) -> Double? {
        if bytes.isEmpty { return .nan }
        guard bytes.count < 256 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { text -> Double? in
            let base = text.baseAddress!
            UnsafeMutableRawPointer(base).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            base[bytes.count] = 0
            // strtod skips leading blanks; a field does not start with one.
            guard base[0] > 32 else { return nil }
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(base, &end)
            guard let end, base.distance(to: end) == bytes.count else { return nil }
            return value
        }
    }
}
