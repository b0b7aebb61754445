#if MPI
import CParallelKit
@_spi(Backend) import ParallelKit
import ParallelKitRun
import ParallelKitSystem
import Synchronization

/// Rank 0 of `parallelkit run --mpi`: the ``RemoteJobs`` its scheduler hands every attempt to.
///
/// Dynamic load balancing: a job goes to the rank with the largest share of its `-j` slots free
/// (the lowest such rank on a tie), so a rank gets its next job exactly when one of its jobs ends,
/// and ranks with more cores get more. The scheduler never has more attempts out than the ranks
/// have slots together, so a job never waits here for a slot. Every MPI call is made on one
/// thread of its own (``MPIThread``); answers reach the scheduler's `poll` through a pipe.
final class MPIRunDispatcher: RemoteJobs, @unchecked Sendable {
    // @unchecked: `comm`, `ranks`, `handles` and `waiting` are touched only on the MPI thread
    // (its loop's `poll` and the commands `MPIThread.perform` runs there); `events` is a Mutex;
    // the pipe's descriptors and `thread` are immutable.

    /// A worker rank: its host and `-j`, and its jobs out.
    struct Rank {
        var host: String
        var slots: Int
        var load = 0
    }

    /// The job once every worker rank has said it is ready: its ranks from 1 (index 0 is rank 0,
    /// which runs none), or why it cannot run jobs.
    let layout = Future<[Rank], RunUsageError>.pending()

    private let thread = MPIThread()
    private var comm: MPIComm?
    private var ranks: [Rank] = []
    private var readyCount = 0
    /// The rank that runs each attempt, until its group is known to be gone.
    private var handles: [Int32: Int32] = [:]
    /// Jobs with no rank free yet (only if the scheduler outruns the answers: never by design).
    private var waiting: [(handle: Int32, bytes: [UInt8])] = []
    private let events = Mutex<[RemoteJobEvent]>([])
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let ended = Atomic<Bool>(false)

    init() {
        var fds: [Int32] = [-1, -1]
        if pk_pipe_cloexec(&fds, 1) != 0 { fatalError("parallelkit run --mpi: no pipe for rank 0's MPI thread") }
        (wakeRead, wakeWrite) = (fds[0], fds[1])
        OSThread.start(name: "pk-mpi", joinable: false) { [self] in
            let comm = MPIComm.initialize(.initializing)
            self.comm = comm
            ranks = Array(repeating: Rank(host: comm.host, slots: 0), count: Int(comm.size))
            if comm.size < 2 {
                layout.complete(.failure(.failed(RunUsageError(
                    "--mpi: the MPI job has one rank (\(comm.host)), and rank 0 only hands out jobs: "
                        + MPIRunMain.howToLaunch))))
            }
            thread.run { ended.load(ordering: .acquiring) ? .stop : poll() }
        }
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    var wakeDescriptor: Int32 { wakeRead }

    func start(_ job: RemoteJob) {
        let bytes = MPIRunMessage.job(job)  // encoded on the scheduler's thread
        thread.perform { [self] in
            waiting.append((job.handle, bytes))
            sendWaiting()
        }
    }

    func signal(_ handle: Int32, _ signal: Int32) {
        thread.perform { [self] in
            guard let rank = handles[handle] else { return push(.groupEnded(handle)) }
            comm!.send(MPIRunMessage.signal(handle: handle, signal: signal), to: rank, tag: .signal)
        }
    }

    func takeEvents() -> [RemoteJobEvent] {
        var scratch = [UInt8](repeating: 0, count: 256)
        while read(wakeRead, &scratch, scratch.count) > 0 {}
        return events.withLock { events in
            defer { events.removeAll(keepingCapacity: true) }
            return events
        }
    }

    /// Tells every worker rank to stop, finalizes MPI and waits for it (rank 0's last call).
    func finish() {
        let done = Future<Void, Never>.pending()
        thread.perform { [self] in
            if comm != nil {
                let deadline = MonotonicClock.nanoseconds() + 2_000_000_000
                while comm!.sending, MonotonicClock.nanoseconds() < deadline { _ = comm!.progressSends() }
                for rank in 1..<comm!.size { comm!.sendNow([], to: rank, tag: .stop) }
                comm!.finalize()
            }
            ended.store(true, ordering: .releasing)
            done.complete(.success(()))
        }
        _ = try? done.wait()
    }

    // MARK: - On the MPI thread

    private func push(_ event: RemoteJobEvent) {
        events.withLock { $0.append(event) }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)  // full (EAGAIN): a wake-up is waiting already
    }

    /// Sends the waiting jobs that ranks have room for, oldest first.
    private func sendWaiting() {
        while !waiting.isEmpty, let rank = freestRank() {
            let job = waiting.removeFirst()
            comm!.send(job.bytes, to: rank, tag: .job)
            handles[job.handle] = rank
            ranks[Int(rank)].load += 1
        }
    }

    /// The rank with the largest share of its slots free, or `nil` when every slot is taken.
    private func freestRank() -> Int32? {
        var best: Int32?
        var bestShare = 0.0
        for rank in 1..<ranks.count where ranks[rank].load < ranks[rank].slots {
            let share = Double(ranks[rank].slots - ranks[rank].load) / Double(ranks[rank].slots)
            if share > bestShare {
                (best, bestShare) = (Int32(rank), share)
            }
        }
        return best
    }

    private func poll() -> MPIThread.Poll {
        guard comm != nil else { return .stop }
        var received = 0
        while received < 64, let message = comm!.receive() {
            handle(message)
            received += 1
        }
        var busy = received > 0
        if comm!.sending && comm!.progressSends() { busy = true }
        if busy { return .busy }
        return .idle
    }

    private func handle(_ message: (source: Int32, tag: Int32, bytes: [UInt8])) {
        let rank = Int(message.source)
        switch MPIMessage.Tag(rawValue: message.tag) {
        case .ready:
            guard let ready = MPIRunMessage.parseReady(message.bytes) else {
                comm!.fail("decoding rank \(rank)'s hello")
            }
            ranks[rank].host = ready.host
            ranks[rank].slots = max(1, ready.slots)
            readyCount += 1
            if readyCount == ranks.count - 1 { layout.complete(.success(ranks)) }
        case .jobDone:
            guard let result = MPIRunMessage.parseResult(message.bytes) else {
                comm!.fail("decoding a job's result from rank \(rank)")
            }
            ranks[rank].load -= 1
            if !result.groupAlive { handles[result.handle] = nil }
            push(.finished(result, host: Array(ranks[rank].host.utf8)))
            sendWaiting()
        case .groupEnded:
            guard let handle = MPIRunMessage.parseIntegers(message.bytes, count: 1)?[0] else {
                comm!.fail("decoding a group's end from rank \(rank)")
            }
            handles[handle] = nil
            push(.groupEnded(handle))
        default:
            comm!.fail("rank 0 of a run received a message with tag \(message.tag) from rank \(rank)")
        }
    }
}
#endif
