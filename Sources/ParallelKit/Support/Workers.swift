import CParallelKit
import ParallelKitSystem

/// How many workers a parallel operation uses.
///
/// `.all`, the default, is the number of usable cores: the CPU affinity mask of the process
/// (`sched_getaffinity`, so `taskset` and container CPU sets are honoured) capped by the
/// control group's CPU quota (cgroup v2 `cpu.max`, or v1 `cpu.cfs_quota_us`), rounded up.
/// The environment variable `PARALLELKIT_WORKERS` replaces that default for the whole process.
///
/// ```swift
/// let squares = numbers.parallelMap { $0 * $0 }                     // .all
/// let a = numbers.parallelMap(workers: .allBut(1)) { $0 * $0 }      // joblib's n_jobs=-2
/// let b = numbers.parallelMap(workers: 3) { $0 * $0 }               // exactly three
/// let c = numbers.parallelMap(workers: 1) { $0 * $0 }               // a plain loop, for debugging
/// ```
///
/// A count of 1 runs a plain serial loop on the calling thread. A count of 0 or less is a
/// programmer error and stops the program with a message naming the value.
public struct Workers: Sendable, Hashable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    @usableFromInline
    enum Kind: Sendable, Hashable {
        case all
        case allBut(Int)
        case count(Int)
    }

    @usableFromInline
    let kind: Kind

    /// Every usable core (or `PARALLELKIT_WORKERS` when it is set).
    public static let all = Workers(kind: .all)

    /// Every usable core but `n`, and at least one: joblib's `n_jobs=-(n+1)`.
    ///
    /// - Precondition: `n >= 0`.
    public static func allBut(_ n: Int) -> Workers {
        precondition(n >= 0, "Workers.allBut(\(n)): the number of cores to leave free must be 0 or more")
        return Workers(kind: .allBut(n))
    }

    /// Exactly `n` workers; 1 means a plain loop on the calling thread.
    ///
    /// - Precondition: `n >= 1`.
    public static func count(_ n: Int) -> Workers {
        precondition(
            n >= 1,
            "Workers(\(n)): a worker count must be 1 or more; pass a positive count, .all, or .allBut(n)"
        )
        return Workers(kind: .count(n))
    }

    private init(kind: Kind) { self.kind = kind }

    /// A worker count written as a literal: `workers: 4`.
    public init(integerLiteral value: Int) {
        self = .count(value)
    }

    /// The number of worker threads this value stands for on this machine, now.
    public var count: Int {
        switch kind {
        case .all: return Workers.default
        case .allBut(let n): return max(1, Workers.default - n)
        case .count(let n): return n
        }
    }

    public var description: String {
        switch kind {
        case .all: return ".all"
        case .allBut(let n): return ".allBut(\(n))"
        case .count(let n): return "\(n)"
        }
    }

    /// The usable cores: the affinity mask capped by the cgroup CPU quota, at least 1.
    ///
    /// Unlike ``all`` this ignores `PARALLELKIT_WORKERS`. Read once per process.
    public static var available: Int { usableCores }

    /// The count `.all` resolves to: `PARALLELKIT_WORKERS` when it is set and valid, else ``available``.
    static var `default`: Int { environmentOverride ?? usableCores }

    private static let usableCores: Int = {
        let affinity = Int(pk_affinity_cpu_count())
        let cores = affinity > 0 ? affinity : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        guard let quota = CPUQuota.limit() else { return cores }
        return max(1, min(cores, quota))
    }()

    private static let environmentOverride: Int? = {
        guard let raw = getenv("PARALLELKIT_WORKERS") else { return nil }
        let text = String(cString: raw)
        switch parseOverride(text) {
        case .success(let count):
            return count
        case .failure(let problem):
            let message = "parallelkit: ignoring PARALLELKIT_WORKERS: \(problem.message)\n"
            try? writeAll(2, Array(message.utf8))
            return nil
        }
    }()

    /// Why a `PARALLELKIT_WORKERS` value was refused.
    struct OverrideProblem: Error, Equatable {
        var message: String
    }

    /// Parses a `PARALLELKIT_WORKERS` value: a positive whole number, surrounding spaces allowed.
    static func parseOverride(_ text: String) -> Result<Int, OverrideProblem> {
        let trimmed = text.trimmingSpaces
        guard let value = Int(trimmed) else {
            return .failure(OverrideProblem(message: "\"\(text)\" is not a whole number; expected a count of 1 or more"))
        }
        guard value >= 1 else {
            return .failure(OverrideProblem(message: "\(value) is not a usable worker count; expected 1 or more"))
        }
        return .success(value)
    }
}

extension String {
    /// The text without leading and trailing white space.
    var trimmingSpaces: Substring {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}
