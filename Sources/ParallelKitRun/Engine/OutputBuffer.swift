import CParallelKit
import ParallelKitSystem

/// The memory that all jobs' buffered output may use before jobs spill to temporary files.
final class OutputBudget {
    /// Bytes one job keeps in memory before it spills.
    let perJob: Int
    /// Bytes all jobs together keep in memory before the next one to grow spills.
    let total: Int
    /// The directory for spill files.
    let directory: Bytes
    /// Bytes one buffer keeps at most (the Swift API's output limit); past it bytes are counted
    /// only. `nil`: everything is kept.
    let cap: Int?
    private(set) var used = 0

    init(perJob: Int = 1 << 20, total: Int = 16 << 20, directory: Bytes, cap: Int? = nil) {
        self.perJob = perJob
        self.total = total
        self.directory = directory
        self.cap = cap
    }

    func take(_ bytes: Int) -> Bool {
        guard used + bytes <= total else { return false }
        used += bytes
        return true
    }

    func give(_ bytes: Int) { used -= bytes }
}

/// One job's standard output or error, held until the job's turn to print: in memory up to a
/// bound, then in an unlinked temporary file (so a job printing gigabytes costs disk, not RAM).
///
/// A spill file that cannot be written (a full `--tmpdir`) or read back makes the contents
/// incomplete: ``failure`` says so, and the runner ends the run without printing or logging the
/// job (GNU parallel: "Output is incomplete", status 255).
final class OutputBuffer {
    private let budget: OutputBudget
    private var memory: Bytes = []
    private var spill: Int32 = -1
    private var spilled = 0
    /// Bytes of `memory` counted against the budget.
    private var reserved = 0
    /// Bytes received so far.
    private(set) var count = 0
    /// Set when the spill file could not be written or read: the contents are incomplete.
    private(set) var failure: RunWriteFailure?

    init(budget: OutputBudget) { self.budget = budget }

    deinit { release() }

    /// Bytes kept: ``count`` less what the budget's cap left out (and what a failed spill lost).
    var kept: Int { memory.count + spilled }

    /// Whether bytes were received that are not kept (past the cap).
    var isTruncated: Bool { count > kept }

    /// Appends `bytes` (as far as the budget's cap allows).
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        count += bytes.count
        var bytes = bytes
        if let cap = budget.cap, kept + bytes.count > cap {
            let room = max(cap - kept, 0)
            guard room > 0 else { return }
            bytes = UnsafeRawBufferPointer(rebasing: bytes[0..<room])
        }
        if spill < 0, memory.count + bytes.count <= budget.perJob, budget.take(bytes.count) {
            memory.append(contentsOf: bytes)
            reserved += bytes.count
            return
        }
        if spill < 0, !openSpill() {
            // No temporary file could be made: keep the output in memory rather than lose it.
            memory.append(contentsOf: bytes)
            return
        }
        guard failure == nil else { return }
        do throws(SystemError) {
            try writeAll(spill, bytes)
            spilled += bytes.count
        } catch {
            failed(error)
        }
    }

    func append(_ bytes: Bytes) { bytes.withUnsafeBytes { append($0) } }

    /// Counts `bytes` printed straight away (line-buffered output) without keeping them.
    func countOnly(_ bytes: Int) { count += bytes }

    /// Calls `body` with the contents in order, in pieces.
    func forEachPiece(_ body: (UnsafeRawBufferPointer) -> Void) {
        memory.withUnsafeBytes { body($0) }
        guard spill >= 0 else { return }
        var chunk = Bytes(repeating: 0, count: 256 * 1024)
        var offset = 0
        while offset < spilled {
            let wanted = min(chunk.count, spilled - offset)
            let read = chunk.withUnsafeMutableBytes { raw in
                Result { () throws(SystemError) in
                    try systemCall("pread") { pread(spill, raw.baseAddress, wanted, off_t(offset)) }
                }
            }
            let got: Int
            switch read {
            case .success(let count): got = count
            case .failure(let error):
                failed(error)
                return
            }
            guard got > 0 else {
                failed(SystemError(call: "pread", errno: EIO))  // the file is shorter than what was written
                return
            }
            chunk.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            offset += got
        }
    }

    /// The whole contents (for `--results` files and rows).
    func contents() -> Bytes {
        var all: Bytes = []
        all.reserveCapacity(count)
        forEachPiece { all.append(contentsOf: $0) }
        return all
    }

    /// Forgets the contents and frees memory and file.
    func release() {
        budget.give(reserved)
        reserved = 0
        memory = []
        if spill >= 0 {
            close(spill)
            spill = -1
        }
        spilled = 0
        count = 0
        failure = nil
    }

    private func failed(_ error: SystemError) {
        if failure == nil { failure = RunWriteFailure(target: "--tmpdir " + budget.directory.text, error: error) }
    }

    private func openSpill() -> Bool {
        spill = (try? systemCall("open") { withCString(budget.directory) { pk_open_tmpfile($0) } }) ?? -1
        if spill < 0 {
            var template = budget.directory + Array("/parallelkit.XXXXXX".utf8) + [0]
            spill = template.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { name in
                    let fd = (try? systemCall("mkstemp") { mkstemp(name) }) ?? -1
                    if fd >= 0 {
                        unlink(name)
                        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)  // jobs started later must not inherit it
                    }
                    return fd
                }
            }
        }
        return spill >= 0
    }
}
