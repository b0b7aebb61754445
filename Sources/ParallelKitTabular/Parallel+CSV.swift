import ParallelKit

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
    /// inside quotes is no boundary), `maxBuffered` chunks at a time (by default sixteen per job);
    /// the chunks of a window are parsed and mapped on the workers at once, and their output is
    /// written in order to a temporary file beside `output`, renamed over it at the end. While a
    /// window is mapped the last one is written and the next read, so memory stays near
    /// `3 × maxBuffered × chunkBytes` whatever the file's size.
    ///
    /// Rows of the wrong length are refused unless `options.raggedRows` is `.fill`; columns named
    /// in `options.types` are checked on every row before `transform` sees it; the rest are
    /// converted by the record's accessors, which throw when a field cannot be.
    ///
    /// - Parameters:
    ///   - input: the CSV file to read; its header (unless `options.hasHeader` is false) names
    ///     the columns and is not passed to `transform`.
    ///   - output: the file to write; replaced whole, and only when every row succeeded.
    ///   - options: how `input` is read: its delimiter, header, column types and ragged rows
    ///     (``CSVOptions``).
    ///   - header: the output's header line, if any.
    ///   - chunkBytes: about how many bytes one chunk of `input` holds.
    ///   - maxBuffered: how many chunks are mapped at a time; by default sixteen per job.
    ///   - transform: called once per record, on several threads at once; returns the output
    ///     record's fields (quoted when they need it).
    /// - Returns: how many records were written.
    /// - Throws: ``CSVError`` naming the line and field: a malformed record (an unterminated
    ///   quote, a ragged row, a field that is not UTF-8 or not of its declared type), an error
    ///   `transform` threw (``CSVError/Code/rowFailed(_:)``, or the accessor's ``CSVError`` as it
    ///   is), a file that cannot be read or written. No output file is left behind.
    /// - Note: Runs on the backends that run closures in this process (serial, threads, a
    ///   thread pool); on processes it throws ``CSVError/Code/rowFailed(_:)`` with the backend's
    ///   `.unsupported` message. For processes, declare the row function as a ``CSVRowTask``
    ///   (``mapCSVRows(_:from:to:options:header:chunkBytes:maxBuffered:)``).
    public func mapCSVRows(
        from input: String, to output: String, options: CSVOptions = CSVOptions(), header: [String]? = nil,
        chunkBytes: Int = defaultChunkBytes, maxBuffered: Int? = nil,
        _ transform: @escaping @Sendable (CSVRecord) throws -> [String]
    ) async throws(CSVError) -> Int {
        try await applyCSV(input, output, options, header, chunkBytes, maxBuffered) { parallel, chunks, context, buffers in
            await parallel.mapWindow(chunks, context, buffers, transform)
        }
    }

    /// `task`'s ``CSVRowTask/transform(_:)`` on every record of the CSV file at `input`, its
    /// fields written in input order to `output`: ``mapCSVRows(from:to:options:header:chunkBytes:maxBuffered:_:)``
    /// on any backend, processes included, where each worker receives whole chunks.
    ///
    /// ```swift
    /// let rows = try await Parallel(backend: .processes).mapCSVRows(
    ///     Totals.self, from: "orders.csv", to: "totals.csv", header: ["order", "total"])
    /// ```
    ///
    /// Reading, windows, memory, errors and the output file are as for the closure's form; a
    /// worker that dies fails the apply with ``CSVError/Code/rowFailed(_:)`` carrying the
    /// backend's message, and leaves no output file.
    public func mapCSVRows<Task: CSVRowTask>(
        _ task: Task.Type, from input: String, to output: String, options: CSVOptions = CSVOptions(),
        header: [String]? = nil, chunkBytes: Int = defaultChunkBytes, maxBuffered: Int? = nil
    ) async throws(CSVError) -> Int {
        try await applyCSV(input, output, options, header, chunkBytes, maxBuffered) { parallel, chunks, context, _ in
            guard !chunks.isEmpty else { return .success([]) }
            let jobs = chunks.map { CSVChunkJob(bytes: $0.bytes, cutInsideRecord: $0.cutInsideRecord, context: context) }
            do throws(BackendError) {
                return .success(try await parallel.map(task, jobs))
            } catch {
                return .failure(error)
            }
        }
    }

    /// A CSV apply's chunk size when the caller gives none: 256 KiB, in windows of sixteen chunks
    /// a job. Against 1 MiB in windows of four a job (the same bytes in flight), csv-rows'
    /// parallel ÷ serial went from 1.50–1.73× (median 1.60) to 1.39–1.96× (median 1.82) in five
    /// alternated runs on 2 cores at load 1–1.2: a window's last chunk, which one worker finishes
    /// while the other waits, is a quarter as long.
    public static let defaultChunkBytes = 256 << 10

    /// The chunks of one window mapped on `Parallel`'s workers, in order.
    typealias WindowMapper = @Sendable (Parallel, [CSVChunk], CSVApplyContext, CSVApplyBuffers) async -> Result<
        [CSVApplyResult], BackendError
    >

    /// The apply of both forms; an error with a line and no file names `input`.
    func applyCSV(
        _ input: String, _ output: String, _ options: CSVOptions, _ outputHeader: [String]?, _ chunkBytes: Int,
        _ maxBuffered: Int?, _ mapWindow: WindowMapper
    ) async throws(CSVError) -> Int {
        do {
            return try await applyWindows(input, output, options, outputHeader, chunkBytes, maxBuffered, mapWindow)
        } catch {
            var located = error
            if located.path == nil, located.line != nil { located.path = input }
            throw located
        }
    }

    private func applyWindows(
        _ input: String, _ output: String, _ options: CSVOptions, _ outputHeader: [String]?, _ chunkBytes: Int,
        _ maxBuffered: Int?, _ mapWindow: WindowMapper
    ) async throws(CSVError) -> Int {
        let reader = try CSVChunkReader(path: input, chunkBytes: chunkBytes)
        let window = max(maxBuffered ?? 16 * jobs.count, 1)
        // Three windows' buffers: one being mapped, one read, one written.
        let buffers = CSVApplyBuffers(limit: 3 * window)
        reader.buffers = buffers
        let header = try CSVHeader(reading: reader, options: options)
        let checks = options.types.compactMap { name, type in
            header.names.firstIndex(of: name).map { CSVApplyContext.Check(column: $0, type: type) }
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
        var lines = header.lines
        var rows = 0
        var pending = header.firstRecord
        // Windows of `window` chunks: read in order, mapped at once (`Parallel.map`, one chunk a
        // claim), written in order; the next window is read and the last one written while one
        // is mapped, so the caller's reads and writes overlap the workers. Chosen over
        // `Parallel.stream` over the chunks (one task per chunk on the cooperative pool), which
        // ran slower than the serial loop here (2.6 s against 2.2 s for csv-rows, load 6).
        var mapper = self
        mapper.chunking = .fixed(1)
        func readWindow() throws(CSVError) -> [CSVChunk] {
            var batch: [CSVChunk] = []
            batch.reserveCapacity(window)
            if let first = pending {
                batch.append(first)
                pending = nil
            }
            while batch.count < window, let chunk = try reader.nextChunk() { batch.append(chunk) }
            return batch
        }
        do throws(CSVError) {
            var batch = try readWindow()
            var previous: [CSVApplyResult] = []
            while !batch.isEmpty || !previous.isEmpty {
                let current = batch
                async let mapped = mapWindow(mapper, current, context, buffers)
                for result in previous {
                    if let error = result.error { throw error.shifted(by: lines).named(header.names) }
                    try file.write(result.output)
                    lines += result.lines
                    rows += result.rows
                    buffers.giveBack(result.output, as: .output)
                }
                previous = []
                batch = current.isEmpty ? [] : try readWindow()
                let results = await mapped
                for chunk in current { buffers.giveBack(chunk.bytes, as: .input) }
                switch results {
                case .success(let results): previous = results
                case .failure(let error): throw CSVError(.rowFailed(String(describing: error)))
                }
            }
        } catch {
            file.abandon()
            throw error
        }
        try file.commit()
        return rows
    }

    /// One window's chunks mapped, as a value (an `async let` of a typed-throwing call).
    private func mapWindow(
        _ batch: [CSVChunk], _ context: CSVApplyContext, _ buffers: CSVApplyBuffers,
        _ transform: @escaping @Sendable (CSVRecord) throws -> [String]
    ) async -> Result<[CSVApplyResult], BackendError> {
        guard !batch.isEmpty else { return .success([]) }
        do {
            return .success(try await map(batch) { chunk in CSVApplyChunk.run(chunk, context, buffers, transform) })
        } catch {
            return .failure(error)
        }
    }
}
