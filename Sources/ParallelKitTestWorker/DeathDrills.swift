// Drills for issue 13's worker deaths, run as `ParallelKitTestWorker <drill> <runs>` by the
// tests and by Benchmarks/drill-worker-death.sh. Each prints one line per run and a summary,
// and exits 0 only when every run met its bound.
import ParallelKit
import ParallelKitSystem
import ParallelKitTestTasks
import Synchronization

/// `orphan-shell N`, `orphan-socket N`: a task starts a child that sleeps 60 s and holds the
/// worker's descriptors (``LeftChild``), then its worker exits. Each run reports how long after
/// the exit the batch failed, and whether the child is alive after the failure and after the
/// pool has ended (allowing its SIGKILL 500 ms to land).
func orphanDrill(_ child: LeftChild, runs: Int) async -> Int32 {
    let directory = "/tmp/pk-orphan-drill-\(getpid())"
    mkdir(directory, 0o700)
    defer {
        for name in ["pid", "exit"] { unlink("\(directory)/\(name)") }
        rmdir(directory)
    }
    var failedRuns = 0
    var delays: [Double] = []
    for run in 1...runs {
        let input = LeaveChildAndExitTask.Input(
            child: child, sleepSeconds: 60, pidFile: "\(directory)/pid", exitTimeFile: "\(directory)/exit")
        guard let pool = try? await ProcessPool(workers: 1) else {
            print("run \(run): the pool did not start")
            return 2
        }
        var outcome = "no error"
        do {
            _ = try await pool.apply(LeaveChildAndExitTask.self, input)
        } catch {
            outcome = "\(error)"
        }
        let failed = MonotonicClock.nanoseconds()
        let exited = UInt64(SmallFile.text("\(directory)/exit")?.trimmed ?? "") ?? 0
        let childPID = Int32(SmallFile.text("\(directory)/pid")?.trimmed ?? "") ?? -1
        let aliveAfterFailure = childPID > 0 && isAlive(childPID)
        pool.close()
        await pool.join()
        // A SIGKILL takes effect when the process next runs: allow it 500 ms on a busy machine.
        let aliveAfterPool = childPID > 0 && !endsSoon(childPID)
        let milliseconds = Double(failed &- exited) / 1e6
        delays.append(milliseconds)
        let good = exited > 0 && milliseconds < 100 && !aliveAfterPool && outcome.contains("exited with status 3")
        if !good { failedRuns += 1 }
        print(
            "run \(run): batch failed \(format(milliseconds)) ms after the worker's exit; child \(childPID) "
                + "alive after the failure: \(aliveAfterFailure), after the pool: \(aliveAfterPool) (\(outcome))")
        if childPID > 0 && isAlive(childPID) { kill(childPID, SIGKILL) }
    }
    let sorted = delays.sorted()
    print(
        "orphan-\(child.rawValue): \(runs) runs, failure after exit: median \(format(sorted[sorted.count / 2])) ms, "
            + "max \(format(sorted.last!)) ms; \(failedRuns) runs missed (< 100 ms, no child left)")
    return failedRuns == 0 ? 0 : 1
}

/// `crash-initializer N`: pools of 2 workers whose initializer calls `fatalError`. Each run
/// reports how long the creation took, an upper bound on how long after the first worker's exit
/// it failed (a thread watches the workers in /proc: the last time each was seen running), and
/// how many processes of this session are left (run it as a session leader, `setsid`).
func crashInitializerDrill(runs: Int) async -> Int32 {
    print("session \(getsid(0))")
    var failedRuns = 0
    var worst = 0.0
    for run in 1...runs {
        let watcher = ChildWatcher()
        let started = MonotonicClock.nanoseconds()
        var outcome = "created"
        do {
            let pool = try await ProcessPool(workers: 2, initializer: WorkerInitializer(FatalInitializerTask.self, ""))
            pool.terminate()
        } catch {
            outcome = "\(error)"
        }
        let failed = MonotonicClock.nanoseconds()
        let lastSeen = watcher.stop()
        let afterExit = lastSeen.map { Double(failed &- $0) / 1e6 }
        let left = otherSessionProcesses()
        let total = Double(failed &- started) / 1e6
        worst = max(worst, afterExit ?? total)
        let good = outcome != "created" && (afterExit ?? total) < 1000 && left.isEmpty
        if !good { failedRuns += 1 }
        print(
            "run \(run): creation failed after \(format(total)) ms, at most \(afterExit.map(format) ?? "?") ms after the "
                + "first worker's exit; processes left: \(left.count) \(left) (\(outcome))")
    }
    print("crash-initializer: \(runs) runs, worst \(format(worst)) ms after the first exit; \(failedRuns) runs missed (< 1 s, none left)")
    return failedRuns == 0 ? 0 : 1
}

/// Watches this process's children on a thread of its own, every millisecond, and remembers
/// when each was last seen running (not yet a zombie).
final class ChildWatcher: Sendable {
    private let state = Mutex<(lastRunning: [Int32: UInt64], stopping: Bool)>(([:], false))

    init() {
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        pthread_create(&thread, nil, { context in
            let watcher = Unmanaged<ChildWatcher>.fromOpaque(context!).takeRetainedValue()
            watcher.watch()
            return nil
        }, box)
        pthread_detach(thread)
    }

    private func watch() {
        let parent = getpid()
        while !state.withLock({ $0.stopping }) {
            let now = MonotonicClock.nanoseconds()
            for pid in processes() {
                guard let (ppid, letter) = parentAndState(of: pid), ppid == parent, letter != "Z" else { continue }
                state.withLock { $0.lastRunning[pid] = now }
            }
            usleep(1000)
        }
    }

    /// Stops watching; the earliest last-seen-running time among the children (so the first
    /// exit came no earlier), or `nil` when none was seen.
    func stop() -> UInt64? {
        state.withLock { state in
            state.stopping = true
            return state.lastRunning.values.min()
        }
    }
}

/// The processes of this session other than this one (once it has let go of its workers).
func otherSessionProcesses() -> [Int32] {
    let session = getsid(0)
    guard session == getpid() else { return [] }  // not a session leader: nothing to measure
    let deadline = MonotonicClock.deadline(after: .milliseconds(200))
    var left: [Int32] = []
    repeat {
        left = processes().filter { $0 != getpid() && getsid($0) == session && parentAndState(of: $0)?.state != "Z" }
        if left.isEmpty { break }
        usleep(5000)
    } while MonotonicClock.nanoseconds() < deadline
    return left
}

/// Every process ID in /proc.
func processes() -> [Int32] {
    guard let directory = opendir("/proc") else { return [] }
    defer { closedir(directory) }
    var pids: [Int32] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if let pid = Int32(name) { pids.append(pid) }
    }
    return pids
}

/// A process's parent and state letter, from /proc/<pid>/stat.
func parentAndState(of pid: Int32) -> (parent: Int32, state: Character)? {
    guard let stat = SmallFile.text("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 2, let state = fields[0].first, let parent = Int32(fields[1]) else { return nil }
    return (parent, state)
}

/// Whether `pid` has ended, or does within 500 ms.
func endsSoon(_ pid: Int32) -> Bool {
    let deadline = MonotonicClock.deadline(after: .milliseconds(500))
    while isAlive(pid) {
        if MonotonicClock.nanoseconds() >= deadline { return false }
        usleep(1000)
    }
    return true
}

func isAlive(_ pid: Int32) -> Bool { (parentAndState(of: pid)?.state).map { $0 != "Z" } ?? false }

func format(_ milliseconds: Double) -> String {
    let hundredths = Int((milliseconds * 100).rounded())
    return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
}

extension String {
    var trimmed: String { String(filter { !$0.isWhitespace }) }
}
