import ParallelKit
import ParallelKitSystem
import ParallelKitTabular
import Synchronization

/// Issue 18's rows: a CSV file's rows mapped file to file (`csv-rows`), peak memory against the
/// file's size (`csv-memory`), and a table's rows and columns in memory (`table-rows`,
/// `table-columns`). Serial is `Parallel(jobs: 1)`, the same code on one thread.
enum TabularBench {
    static let csvRows = "csv-rows"
    static let csvRowsSummary = "a generated 1,000,000-row CSV: parse five numbers, compute, format one field, file to file"
    static let csvMemory = "csv-memory"
    static let csvMemorySummary = "peak resident memory of the parallel CSV apply over 1,000,000 and 10,000,000 rows"
    static let tableRows = "table-rows"
    static let tableRowsSummary = "a 1,000,000 x 5 table's rows mapped in memory (the csv-rows function)"
    static let tableColumns = "table-columns"
    static let tableColumnsSummary = "sums of squares of a 1,000,000 x 16 table's columns in memory"

    /// The row function of `csv-rows`, about 1 µs: five numeric fields parsed, one computed field formatted.
    @Sendable static func rowFunction(_ record: CSVRecord) throws -> [String] {
        let value = compute(
            Double(try record.int(1)), try record.double(2), try record.double(3), Double(try record.int(4)),
            try record.double(5))
        return [try record.string(0), String(value)]
    }

    @inline(__always) static func compute(_ a: Double, _ b: Double, _ c: Double, _ d: Double, _ e: Double) -> Double {
        abs((a * b + c) / (d + 1) - e).squareRoot().rounded(.toNearestOrEven) + (a - e) * 0.5
    }

    /// Where the rows' files go: `$TMPDIR`, else `/tmp`.
    static var directory: String { getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp" }

    /// A CSV file of `rows` rows: `id,a,b,c,d,e,label`, integers and decimals, a quoted label
    /// with a comma in every tenth row. The file is unlinked at once and read through
    /// `/proc/self/fd/N`, so that it goes when the bench ends, however it ends.
    static func makeCSV(rows: Int, name: String) -> String {
        let path = "\(directory)/parallelkit-bench-\(getpid())-\(name).csv"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(fd >= 0, "cannot create \(path)")
        unlink(path)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        buffer.append(contentsOf: "id,a,b,c,d,e,label\n".utf8)
        for row in 0..<rows {
            let label = row % 10 == 0 ? "\"item, \(row % 97)\"" : "item \(row % 89)"
            let line = "\(row),\(row % 1000),\(Double(row % 777) / 8),\(Double(row % 313) * 1.25),\(row % 17),\(Double(row % 50) / 4),\(label)\n"
            buffer.append(contentsOf: line.utf8)
            if buffer.count > (1 << 20) - 256 {
                try? writeAll(fd, buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try? writeAll(fd, buffer)
        return "/proc/self/fd/\(fd)"
    }

    /// The bytes of the file at `path` (for checking that both variants wrote the same).
    static func checksum(_ path: String) -> (bytes: Int, hash: UInt64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return (-1, 0) }
        defer { close(fd) }
        var hash: UInt64 = 14_695_981_039_346_656_037
        var total = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got <= 0 { break }
            total += got
            for byte in chunk[0..<got] { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        }
        return (total, hash)
    }

    static func csvCases(quick: Bool, workers: Workers) -> [BenchCase] {
        let rows = quick ? 100_000 : 1_000_000
        let input = makeCSV(rows: rows, name: "rows")
        let expected = Checksums()
        func apply(_ variant: String, jobs: Workers, backend: Parallel.Backend? = nil, onProcesses: Bool = false) -> BenchCase {
            let output = "\(directory)/parallelkit-bench-\(getpid())-\(variant).out.csv"
            return BenchCase(
                label: BenchLabel(workload: csvRows, variant: variant, workers: jobs.count, items: rows),
                baseline: "serial", isLatency: false, extras: nil
            ) { () async throws(BenchError) -> Double? in
                let start = ContinuousClock.now
                do {
                    let written =
                        onProcesses
                        ? try await Parallel(backend: .processes(try await ProcessPoolBench.pool(workers: jobs))).mapCSVRows(
                            CSVRowsTask.self, from: input, to: output, header: ["id", "value"])
                        : try await Parallel(jobs: jobs, backend: backend).mapCSVRows(
                            from: input, to: output, header: ["id", "value"], rowFunction)
                    guard written == rows else { throw BenchError.wrongResult(variant: variant) }
                } catch let error as BenchError {
                    throw error
                } catch {
                    throw .runFailed("\(error)")
                }
                let elapsed = seconds(ContinuousClock.now - start)
                let sum = checksum(output)
                unlink(output)
                guard expected.check(sum) else { throw .wrongResult(variant: variant) }
                return elapsed
            }
        }
        return [
            apply("serial", jobs: 1), apply("parallel", jobs: workers),
            apply("parallel-threadpool", jobs: workers, backend: .threadPool),
            apply("parallel-processes", jobs: workers, onProcesses: true),
        ]
    }

    static func memoryCases(quick: Bool, workers: Workers) -> [BenchCase] {
        let sizes = quick ? [100_000, 1_000_000] : [1_000_000, 10_000_000]
        func name(_ rows: Int) -> String { rows >= 1_000_000 ? "\(rows / 1_000_000)M-rows" : "\(rows / 1000)k-rows" }
        return sizes.map { rows in
            let peaks = Peaks()
            let variant = name(rows)
            let input = makeCSV(rows: rows, name: variant)
            let output = "\(directory)/parallelkit-bench-\(getpid())-\(variant).out.csv"
            return BenchCase(
                workload: csvMemory, variant: variant, workers: workers.count, items: rows,
                baseline: name(sizes[0]), extras: { [("peak_rss_bytes", peaks.medianPeak)] }
            ) { () async throws(BenchError) in
                let before = ResidentMemory.resetPeak()
                do {
                    _ = try await Parallel(jobs: workers).mapCSVRows(from: input, to: output, rowFunction)
                } catch {
                    throw .runFailed("\(error)")
                }
                peaks.append(ResidentMemory.peak - before)
                unlink(output)
            }
        }
    }
}

extension TabularBench {
    /// A table of `rows` rows and `columns` numeric columns, integers and decimals alternating.
    static func makeTable(rows: Int, columns: Int) -> Table {
        Table(
            names: (0..<columns).map { "c\($0)" },
            columns: (0..<columns).map { column in
                column % 2 == 0
                    ? .int((0..<rows).map { ($0 * (column + 3)) % 1000 })
                    : .double((0..<rows).map { Double(($0 * (column + 5)) % 777) / 8 })
            })
    }

    static func tableRowCases(quick: Bool, workers: Workers) -> [BenchCase] {
        let rows = quick ? 100_000 : 1_000_000
        let table = makeTable(rows: rows, columns: 5)
        let expected = (0..<rows).map { rowValue(table[row: $0].map { $0.double! }) }
        let count = rows
        func rowCase(_ variant: String, jobs: Workers) -> BenchCase {
            BenchCase(workload: tableRows, variant: variant, workers: jobs.count, items: count) { () async throws(BenchError) in
                let values = try? await Parallel(jobs: jobs).mapRows(table) { row in
                    compute(row.double(0), row.double(1), row.double(2), row.double(3), row.double(4))
                }
                guard values == expected else { throw .wrongResult(variant: variant) }
            }
        }
        return [rowCase("serial", jobs: 1), rowCase("mapRows", jobs: workers)]
    }

    static func rowValue(_ cells: [Double]) -> Double { compute(cells[0], cells[1], cells[2], cells[3], cells[4]) }

    static func tableColumnCases(quick: Bool, workers: Workers) -> [BenchCase] {
        let rows = quick ? 100_000 : 1_000_000
        let table = makeTable(rows: rows, columns: 16)
        @Sendable func sumOfSquares(_ column: Column) -> Double { column.doubles!.reduce(0) { $0 + $1 * $1 } }
        let expected = table.columns.map(sumOfSquares)
        func columns(_ variant: String, jobs: Workers) -> BenchCase {
            BenchCase(workload: tableColumns, variant: variant, workers: jobs.count, items: 16) { () async throws(BenchError) in
                let values = try? await Parallel(jobs: jobs).mapColumns(table) { _, column in sumOfSquares(column) }
                guard values == expected else { throw .wrongResult(variant: variant) }
            }
        }
        return [columns("serial", jobs: 1), columns("mapColumns", jobs: workers)]
    }
}

/// The first checksum seen, against which every later one is checked.
private final class Checksums: Sendable {
    private let first = Mutex<(bytes: Int, hash: UInt64)?>(nil)

    func check(_ value: (bytes: Int, hash: UInt64)) -> Bool {
        first.withLock { seen in
            guard let seen else {
                seen = value
                return value.bytes > 0
            }
            return seen == value
        }
    }
}

/// The peak RSS growth of each repetition of a `csv-memory` row.
private final class Peaks: Sendable {
    private let values = Mutex<[Double]>([])

    func append(_ value: Double) { values.withLock { $0.append(value) } }
    var medianPeak: Double { median(values.withLock { $0 }) }
}
