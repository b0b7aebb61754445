import ParallelKitSystem

/// Combines the input sources the way GNU parallel does: every combination of the sources, the
/// last source varying fastest (`::: a b ::: 1 2` → a 1, a 2, b 1, b 2); a source linked with
/// `:::+` pairs up with the one before it, the shortest deciding the length; `--link` links all,
/// shorter sources wrapping around.
///
/// The first source streams (standard input of any length in constant memory); the others are
/// read whole, since each is gone through once per value of the first.
final class InputCombinations {
    private enum Cursor {
        case reader(RecordReader)
        case tuples([[Bytes]], Int)
    }

    private var first: Cursor
    /// The other groups, each a list of tuples (one value per source of the group).
    private let rest: [[[Bytes]]]
    private var odometer: [Int]
    private var currentFirst: [Bytes]?
    private var firstCount = 0
    private var firstDone = false
    private let splitter: ColumnSplitter?
    private let trim: Bytes?
    /// Column names from `--header`, mapped to value positions.
    private(set) var names: [Bytes: Int] = [:]
    /// The number of records, once known.
    private(set) var total: Int?
    private var restProduct: Int

    init(options: RunOptions) throws(RunUsageError) {
        var sources = options.sources
        if sources.isEmpty { sources = [.init(kind: .file([UInt8(ascii: "-")]))] }
        var separator = options.columnSeparator
        if separator == nil, options.header != nil { separator = [0x09] }
        splitter = try separator.map { separator throws(RunUsageError) in try ColumnSplitter(separator) }
        trim = options.trim ?? (separator != nil ? Array("lr".utf8) : nil)
        // Group linked sources.
        var groups: [[RunOptions.SourceKind]] = []
        for (index, source) in sources.enumerated() {
            if index > 0, source.linkedToPrevious || options.linkAll {
                groups[groups.count - 1].append(source.kind)
            } else {
                groups.append([source.kind])
            }
        }
        let headerLines = options.header.map { Self.headerLineCount($0) } ?? 0
        var names: [Bytes: Int] = [:]
        var offset = 0
        var headerValues: [[Bytes]] = []
        // The first group streams when it is a single source; the rest are read whole.
        var loadedGroups: [[[Bytes]]] = []
        var firstCursor: Cursor?
        for (groupIndex, group) in groups.enumerated() {
            if groupIndex == 0, group.count == 1, case .file(let path) = group[0] {
                let reader = try RecordReader.open(path, delimiter: options.delimiter)
                var header: [Bytes] = []
                for _ in 0..<headerLines { if let line = reader.next() { header.append(line) } }
                headerValues.append(header)
                firstCursor = .reader(reader)
                continue
            }
            var columns: [[Bytes]] = []
            for kind in group {
                var values: [Bytes]
                switch kind {
                case .values(let given): values = given
                case .file(let path): values = try RecordReader.open(path, delimiter: options.delimiter).readAll()
                }
                headerValues.append(Array(values.prefix(headerLines)))
                values.removeFirst(min(headerLines, values.count))
                columns.append(values)
            }
            let length = options.linkAll
                ? (columns.map(\.count).max() ?? 0) : (columns.map(\.count).min() ?? 0)
            var tuples: [[Bytes]] = []
            tuples.reserveCapacity(length)
            for row in 0..<length {
                tuples.append(columns.map { $0.isEmpty ? [] : $0[row % $0.count] })
            }
            if groupIndex == 0 {
                firstCursor = .tuples(tuples, 0)
            } else {
                loadedGroups.append(tuples)
            }
        }
        if options.header != nil {
            for header in headerValues {
                let line = header.first ?? []
                let columns = splitter.map { $0.split(line).map { Self.trimmed($0, Array("lr".utf8)) } } ?? [line]
                for (column, name) in columns.enumerated() where names[name] == nil {
                    names[name] = offset + column
                }
                offset += columns.count
            }
        }
        self.names = names
        first = firstCursor ?? .tuples([], 0)
        rest = loadedGroups
        odometer = Array(repeating: 0, count: loadedGroups.count)
        restProduct = loadedGroups.reduce(1) { $0 * $1.count }
        if case .tuples(let tuples, _) = first { total = tuples.count * restProduct }
        if restProduct == 0 {
            total = 0
            firstDone = true
        }
    }

    /// How many lines `--header` means: `:` (or any pattern) one line, a number that many.
    private static func headerLineCount(_ header: Bytes) -> Int {
        if let count = Int(header.text), count >= 0 { return count }
        return 1
    }

    /// The values of the next combination — sources in order, each split into columns with
    /// `--colsep` — or `nil` when all have been given out.
    func next() -> [Bytes]? {
        if firstDone { return nil }
        if currentFirst == nil || !advanceOdometer() {
            guard let tuple = nextFirst() else {
                firstDone = true
                total = firstCount * restProduct
                return nil
            }
            currentFirst = tuple
            firstCount += 1
            for index in odometer.indices { odometer[index] = 0 }
        }
        var sourceValues = currentFirst!
        for (group, position) in zip(rest, odometer) { sourceValues.append(contentsOf: group[position]) }
        var values: [Bytes] = []
        values.reserveCapacity(sourceValues.count)
        for value in sourceValues {
            if let splitter {
                for column in splitter.split(value) { values.append(Self.trimmed(column, trim)) }
            } else {
                values.append(Self.trimmed(value, trim))
            }
        }
        return values
    }

    /// The descriptor to wait on when ``next()`` would block for the next record of a streamed
    /// first source (standard input that is quiet); `nil` when it would not block.
    func descriptorToWaitFor() -> Int32? {
        guard !firstDone, case .reader(let reader) = first else { return nil }
        let pullsFirst = currentFirst == nil || zip(odometer, rest).allSatisfy { $0 == $1.count - 1 }
        return pullsFirst && reader.isWaitingForInput() ? reader.descriptor : nil
    }

    /// Moves the odometer over the loaded groups one step; false when it wrapped around.
    private func advanceOdometer() -> Bool {
        var index = odometer.count - 1
        while index >= 0 {
            odometer[index] += 1
            if odometer[index] < rest[index].count { return true }
            odometer[index] = 0
            index -= 1
        }
        return false
    }

    private func nextFirst() -> [Bytes]? {
        switch first {
        case .reader(let reader):
            guard let line = reader.next() else { return nil }
            return [line]
        case .tuples(let tuples, let index):
            guard index < tuples.count else { return nil }
            first = .tuples(tuples, index + 1)
            return tuples[index]
        }
    }

    static func trimmed(_ value: Bytes, _ trim: Bytes?) -> Bytes {
        guard let trim, trim != [UInt8(ascii: "n")] else { return value }
        var lower = 0
        var upper = value.count
        func blank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        if trim.contains(UInt8(ascii: "l")) { while lower < upper, blank(value[lower]) { lower += 1 } }
        if trim.contains(UInt8(ascii: "r")) { while upper > lower, blank(value[upper - 1]) { upper -= 1 } }
        return lower == 0 && upper == value.count ? value : Array(value[lower..<upper])
    }
}

/// Splits a value into columns at a separator: a plain string, or — when it has regular
/// expression syntax — a POSIX extended regular expression (with Perl's `\s`, `\d`, `\t`).
final class ColumnSplitter {
    private let literal: Bytes?
    private var regex = regex_t()

    init(_ separator: Bytes) throws(RunUsageError) {
        let special = Set(Array(".[]()*+?{}|^$\\".utf8))
        if !separator.contains(where: special.contains) {
            literal = separator
            return
        }
        literal = nil
        var pattern = ""
        var index = 0
        while index < separator.count {
            let byte = separator[index]
            if byte == UInt8(ascii: "\\"), index + 1 < separator.count {
                let next = separator[index + 1]
                index += 2
                switch next {
                case UInt8(ascii: "s"): pattern += "[[:space:]]"
                case UInt8(ascii: "S"): pattern += "[^[:space:]]"
                case UInt8(ascii: "d"): pattern += "[0-9]"
                case UInt8(ascii: "t"): pattern += "\t"
                case UInt8(ascii: "n"): pattern += "\n"
                default: pattern += "\\" + String(UnicodeScalar(next))
                }
                continue
            }
            pattern += String(UnicodeScalar(byte))
            index += 1
        }
        let status = regcomp(&regex, pattern, REG_EXTENDED)
        guard status == 0 else { throw RunUsageError("--colsep: '\(separator.text)' is not a regular expression I can use") }
    }

    deinit {
        if literal == nil { regfree(&regex) }
    }

    func split(_ value: Bytes) -> [Bytes] {
        if let literal { return value.split(separator: literal) }
        var columns: [Bytes] = []
        var text = value.map { $0 == 0 ? UInt8(ascii: " ") : $0 } + [0]
        var start = 0
        var match = regmatch_t()
        while start < value.count {
            let found = text.withUnsafeMutableBufferPointer { pointer in
                pointer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: pointer.count) {
                    regexec(&regex, $0 + start, 1, &match, start > 0 ? REG_NOTBOL : 0)
                }
            }
            guard found == 0, match.rm_eo > match.rm_so else { break }
            columns.append(Array(value[start..<(start + Int(match.rm_so))]))
            start += Int(match.rm_eo)
        }
        columns.append(Array(value[min(start, value.count)...]))
        return columns
    }
}
