#if MPI
import CMPI
import ParallelKitSystem

/// `MPI_COMM_WORLD` and the calls ParallelKitMPI makes on it: only on the ``MPIThread``.
///
/// Errors return (`MPI_ERRORS_RETURN`) instead of aborting inside Open MPI, so that the abort
/// says which call failed, on which rank and host (``fail(_:_:)``).
struct MPIComm {
    let rank: Int32
    let size: Int32
    let host: String
    /// Sends not yet complete, with the buffers they read from.
    private var requests: [MPI_Request?] = []
    private var buffers: [UnsafeMutableRawBufferPointer] = []
    /// `MPI_Testsome`'s answer: the indices of the sends it found complete.
    private var completed: [Int32] = []

    /// Which threads make MPI calls after ``initialize(_:)``.
    enum Threads {
        /// Only the thread that initialized (`MPI_THREAD_FUNNELED`): an MPI thread's loop.
        /// Open MPI's locks in its send and receive paths then cost rank 0 about a tenth of its
        /// time on unbatched tasks, against a fifth under `SERIALIZED` (perf).
        case initializing
        /// Any thread, one at a time (`MPI_THREAD_SERIALIZED`): a worker rank's loop, a task
        /// that may go on in another thread after a batch that suspends.
        case oneAtATime
    }

    /// Initializes MPI for the calls `threads` will make.
    static func initialize(_ threads: Threads) -> MPIComm {
        var provided: Int32 = 0
        let level = threads == .initializing ? MPI_THREAD_FUNNELED : MPI_THREAD_SERIALIZED
        let status = MPI_Init_thread(nil, nil, Int32(level), &provided)
        if status != MPI_SUCCESS {
            writeDiagnostic("ParallelKitMPI: MPI_Init_thread failed with error \(status)")
            exit(70)
        }
        MPI_Comm_set_errhandler(pk_mpi_comm_world(), pk_mpi_errors_return())
        var rank: Int32 = 0
        var size: Int32 = 0
        MPI_Comm_rank(pk_mpi_comm_world(), &rank)
        MPI_Comm_size(pk_mpi_comm_world(), &size)
        return MPIComm(rank: rank, size: size, host: processorName())
    }

    private static func processorName() -> String {
        var name = [CChar](repeating: 0, count: Int(MPI_MAX_PROCESSOR_NAME) + 1)
        var length: Int32 = 0
        MPI_Get_processor_name(&name, &length)
        return String(decoding: name.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Starts sending `bytes` to `rank`; the send completes in a later ``progressSends()``.
    mutating func send(_ bytes: [UInt8], to rank: Int32, tag: MPIMessage.Tag) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        send(owned: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count]), to: rank, tag: tag)
    }

    /// Starts sending the bytes of `buffer`, which the send owns from now on (it frees it once
    /// complete): a message built in place is sent without a copy.
    mutating func send(owned buffer: UnsafeMutableRawBufferPointer, to rank: Int32, tag: MPIMessage.Tag) {
        var request: MPI_Request? = pk_mpi_request_null()
        Self.check(
            MPI_Isend(buffer.baseAddress, Int32(buffer.count), pk_mpi_byte(), rank, tag.rawValue, pk_mpi_comm_world(), &request),
            "MPI_Isend to rank \(rank)")
        requests.append(request)
        buffers.append(buffer)
    }

    /// Sends `bytes` to `rank` and returns when the buffer may be reused.
    func sendNow(_ bytes: [UInt8], to rank: Int32, tag: MPIMessage.Tag) {
        bytes.withUnsafeBytes { raw in
            Self.check(
                MPI_Send(raw.baseAddress, Int32(raw.count), pk_mpi_byte(), rank, tag.rawValue, pk_mpi_comm_world()),
                "MPI_Send to rank \(rank)")
        }
    }

    /// Whether sends are still in progress. (`mutating get`, as ``receive()``: read in place, not
    /// from a copy of the whole value.)
    var sending: Bool { mutating get { !requests.isEmpty } }

    /// How many sends are still in progress.
    var sendsInProgress: Int { mutating get { requests.count } }

    /// Completes the sends that are done and frees their buffers; returns whether any completed.
    /// One `MPI_Testsome` for all of them: each test that finds a send incomplete runs Open MPI's
    /// progress engine, which yields the core when oversubscribed.
    mutating func progressSends() -> Bool {
        guard !requests.isEmpty else { return false }
        if completed.count < requests.count { completed = Array(repeating: 0, count: requests.count) }
        var count: Int32 = 0
        Self.check(MPI_Testsome(Int32(requests.count), &requests, &count, &completed, pk_mpi_statuses_ignore()), "MPI_Testsome")
        guard count > 0 else { return false }
        // MPI sets each completed request to MPI_REQUEST_NULL.
        for index in completed.prefix(Int(count)) { buffers[Int(index)].deallocate() }
        let null = pk_mpi_request_null()
        var kept = 0
        for index in requests.indices where requests[index] != null {
            requests[kept] = requests[index]
            buffers[kept] = buffers[index]
            kept += 1
        }
        requests.removeLast(requests.count - kept)
        buffers.removeLast(buffers.count - kept)
        return true
    }

    /// The next message waiting from any rank, received, or `nil` when none is waiting.
    /// `mutating` although it changes nothing: called on a class's stored `MPIComm`, a
    /// non-mutating method gets a copy (its arrays retained and released), a message.
    mutating func receive() -> (source: Int32, tag: Int32, bytes: [UInt8])? {
        var flag: Int32 = 0
        var status = MPI_Status()
        // A matched probe: the receive takes the message the probe found, without matching
        // the queue again.
        var message: MPI_Message? = nil
        Self.check(MPI_Improbe(pk_mpi_any_source(), pk_mpi_any_tag(), pk_mpi_comm_world(), &flag, &message, &status), "MPI_Improbe")
        guard flag != 0 else { return nil }
        var count: Int32 = 0
        MPI_Get_count(&status, pk_mpi_byte(), &count)
        let source = status.MPI_SOURCE
        let tag = status.MPI_TAG
        let bytes = [UInt8](unsafeUninitializedCapacity: Int(count)) { buffer, initialized in
            Self.check(MPI_Mrecv(buffer.baseAddress, count, pk_mpi_byte(), &message, pk_mpi_status_ignore()), "MPI_Mrecv from rank \(source)")
            initialized = Int(count)
        }
        return (source, tag, bytes)
    }

    /// Whether a message with `tag` from `rank` is waiting (received or not, the messages before
    /// it stay queued).
    func hasWaiting(_ tag: MPIMessage.Tag, from rank: Int32) -> Bool {
        var flag: Int32 = 0
        Self.check(MPI_Iprobe(rank, tag.rawValue, pk_mpi_comm_world(), &flag, pk_mpi_status_ignore()), "MPI_Iprobe")
        return flag != 0
    }

    /// Ends MPI in this process (every rank calls it before exiting).
    func finalize() {
        MPI_Finalize()
    }

    /// Stops the whole job: Open MPI 4.1 has no way to go on without a rank.
    func fail(_ what: String, _ code: Int32? = nil) -> Never { Self.abort(what, code) }

    /// ``fail(_:_:)`` without a value at hand: the rank and host are asked for here, so that the
    /// checks of the hot calls need no copy of the value (a closure that captured it copied it,
    /// its arrays retained and released, a message).
    private static func abort(_ what: String, _ code: Int32?) -> Never {
        var reason = "unexpected"
        if let code {
            var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
            var length: Int32 = 0
            MPI_Error_string(code, &text, &length)
            reason = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        var rank: Int32 = -1
        MPI_Comm_rank(pk_mpi_comm_world(), &rank)
        writeDiagnostic(
            "ParallelKitMPI: \(what) failed on rank \(rank) (host \(processorName()), pid \(getpid())): \(reason); "
                + "Open MPI 4.1 cannot go on without a rank, so the job is aborted")
        MPI_Abort(pk_mpi_comm_world(), 70)
        exit(70)
    }

    private static func check(_ code: Int32, _ what: @autoclosure () -> String) {
        if code != MPI_SUCCESS { abort(what(), code) }
    }
}

/// Writes `line` to standard error at once.
func writeDiagnostic(_ line: String) {
    var text = line
    text += "\n"
    _ = text.withUTF8 { write(2, $0.baseAddress, $0.count) }
}
#endif
