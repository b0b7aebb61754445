import ParallelKit
import Synchronization

extension Parallel {
    /// Runs `transform` on every record of the CSV file at `input` and writes the fields it
    /// returns, in input order, to the CSV file at `output` — `pd.read_csv(chunksize=)` over a
    /// `multiprocessing.Pool`, or Dask's `read_csv(…).map_partitions(…).to_csv(…)`, for files
    /// too large to hold in memory.
    ///
    /// ```swift
    /// let rows = try await Parallel().mapCSVRows(
    ///     from: "orders.csv", to: "totals.csv", header: ["order", "total"]
    /// ) { record in
    ///     [try record.string(0), String(try record.double(2) * Double(try record.int(3)))]
    /// }
    /// ```
    ///
    /// The file is read in chunks of about `chunkBytes`, cut at record boundaries (a line end
    /// inside quotes is no boundary); each chunk is parsed and mapped on a worker, and the
    /// chunks' output is written in order to a temporary file beside `output`, renamed over it
    /// at the end. At most `maxBuffered` chunks (by default two per job) are read and not yet
    /// written, so memory stays near `maxBuffered × chunkBytes` whatever the file's size.
    ///
    /// Rows of the wrong length are refused unless `options.raggedRows` is `.fill`; columns named
    /// in `options.types` are checked on every row before `transform` sees it; the rest are
    /// converted by the record's accessors, which throw when a field cannot be.
    ///
    /// - Parameters:
    ///   - input: the CSV file to read; its header (unless `options.hasHeader` is false) names
    ///     the columns and is not passed to `transform`.
    ///   - output: the file to write; replaced whole, and only when every row succeeded.
    ///   - header: the output's header line, if any.
    ///   - transform: called once per record, on several threads at once; returns the output
    ///     record's fields (quoted when they need it).
    /// - Returns: how many records were written.
    /// - Throws: ``CSVError`` naming the line and field: a malformed record (an unterminated
    ///   quote, a ragged row, a field that is not UTF-8 or not of its declared type), an error
    ///   `transform` threw (``CSVError/Code/rowFailed(_:)``, or the accessor's ``CSVError`` as it
    ///   is), a file that cannot be read or written. No output file is left behind.
    /// - Note: Runs on the backends that run closures in this process (serial, threads, a
    ///   thread pool); on processes it throws ``CSVError/Code/rowFailed(_:)`` with the backend's
    ///   `.unsupported` message before reading anything.
    public func mapCSVRows(
        from input: String, to output: String, options: CSVOptions = CSVOptions(), header: [String]? = nil,
        chunkBytes: Int = 1 << 20, maxBuffered: Int? = nil,
        _ transform: @escaping @Sendable (CSVRecord) throws -> [String]
    ) async throws(CSVError) -> Int {
        do {
            return try await applyCSV(input, output, options, header, chunkBytes, maxBuffered, transform)
        } catch {
            var located = error
            if located.path == nil, located.line != nil { located.path = input }
            throw located
        }
    }

    private func applyCSV(
        _ input: String, _ output: String, _ options: CSVOptions, _ outputHeader: [String]?, _ chunkBytes: Int,
        _ maxBuffered: Int?, _ transform: @escaping @Sendable (CSVRecord) throws -> [String]
    ) async throws(CSVError) -> Int {
        let reader = try CSVChunkReader(path: input, chunkBytes: chunkBytes)
        let header = try CSVHeader(reading: reader, options: options)
        let checks = options.types.compactMap { name, type in
            header.names.firstIndex(of: name).map { (column: $0, type: type) }
        }.sorted { $0.column < $1.column }
        let context = CSVApplyContext(
            delimiter: options.delimiter, outputDelimiter: options.delimiter, width: header.names.count,
            raggedRows: options.raggedRows, checks: checks)
        let file = try CSVOutputFile(path: output)
        if let outputHeader {
            var line: [UInt8] = []
            CSVWriter.append(outputHeader, delimiter: options.delimiter, to: &line)
            try file.write(line)
        }
        let chunks = CSVChunks(reader: reader, first: header.firstRecord)
        var lines = header.lines
        var rows = 0
        do {
            let results = stream(chunks, maxBuffered: maxBuffered) { chunk in CSVApplyChunk.run(chunk, context, transform) }
            for try await result in results {
                if let error = result.error { throw error.shifted(by: lines).named(header.names) }
                try file.write(result.output)
                lines += result.lines
                rows += result.rows
            }
        } catch let error as CSVError {
            file.abandon()
            throw error
        } catch {
            file.abandon()
            throw CSVError(.rowFailed(String(describing: error)))
        }
        if let failure = chunks.failure.withLock({ $0 }) {
            file.abandon()
            throw failure
        }
        try file.commit()
        return rows
    }
}

/// The chunks of a CSV input as a sequence for ``Parallel``'s streams; a read error ends the
/// sequence and is kept in ``failure``.
struct CSVChunks: Sequence {
    let reader: CSVChunkReader
    let first: CSVChunk?
    let failure = SharedFailure()

    /// The first read error, set once by the iterator and read after the stream ends.
    final class SharedFailure: Sendable {
        private let value = Mutex<CSVError?>(nil)
        func withLock<R>(_ body: (inout CSVError?) -> R) -> R { value.withLock { body(&$0) } }
    }

    struct Iterator: IteratorProtocol {
        let reader: CSVChunkReader
        var first: CSVChunk?
        let failure: SharedFailure

        mutating func next() -> CSVChunk? {
            if let chunk = first {
                first = nil
                return chunk
            }
            do {
                return try reader.nextChunk()
            } catch {
                failure.withLock { $0 = $0 ?? error }
                return nil
            }
        }
    }

    func makeIterator() -> Iterator { Iterator(reader: reader, first: first, failure: failure) }
}
