/// When a run stops early because of how its jobs end — GNU parallel's `--halt when,why=N` —
/// and the exit status that results (GNU's rules, learnt by running it).
///
/// `soon` starts no more jobs and lets the running ones finish; `now` also ends the running
/// ones through the teardown sequence.
///
/// ```swift
/// var configuration = RunConfiguration()
/// configuration.halt = HaltPolicy(when: .now, why: .fail, threshold: .count(1))  // --halt now,fail=1
/// ```
public struct HaltPolicy: Sendable, Equatable {
    /// How the run stops once the threshold is reached.
    public enum When: Sendable, Equatable {
        /// It does not.
        case never
        /// No more jobs start; running jobs finish.
        case soon
        /// No more jobs start; running jobs are ended (teardown sequence).
        case now
    }

    /// What the threshold counts: failed, succeeded or all finished jobs.
    public enum Why: Sendable, Equatable { case fail, success, done }

    /// A number of jobs, or a percentage of all jobs.
    public enum Threshold: Sendable, Equatable {
        case count(Int)
        case percent(Double)
    }

    public var when: When
    public var why: Why
    public var threshold: Threshold

    public init(when: When, why: Why, threshold: Threshold) {
        self.when = when
        self.why = why
        self.threshold = threshold
    }

    /// Every job runs, whatever happens.
    public static let never = HaltPolicy(when: .never, why: .fail, threshold: .count(0))

    /// Parses GNU's forms: `never`, `now,fail=1`, `soon,success=30%`, `done=3` (soon), and the
    /// legacy `0`, `1`, `2`, `-1`, `-2`, `N%`.
    package static func parse(_ text: String) -> HaltPolicy? {
        switch text {
        case "0", "never": return .never
        case "1": return HaltPolicy(when: .soon, why: .fail, threshold: .count(1))
        case "2": return HaltPolicy(when: .now, why: .fail, threshold: .count(1))
        case "-1": return HaltPolicy(when: .soon, why: .success, threshold: .count(1))
        case "-2": return HaltPolicy(when: .now, why: .success, threshold: .count(1))
        default: break
        }
        if text.hasSuffix("%"), let percent = Double(text.dropLast()), percent > 0, percent < 100 {
            return HaltPolicy(when: .soon, why: .fail, threshold: .percent(percent))
        }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        var when = When.soon
        var rule = Substring(text)
        if parts.count == 2 {
            switch parts[0] {
            case "now": when = .now
            case "soon": when = .soon
            case "never": return .never
            default: return nil
            }
            rule = parts[1]
        } else if parts.count != 1 {
            return nil
        }
        let pair = rule.split(separator: "=", omittingEmptySubsequences: false)
        guard pair.count == 2 else { return nil }
        let why: Why
        switch pair[0] {
        case "fail": why = .fail
        case "success": why = .success
        case "done": why = .done
        default: return nil
        }
        let value = pair[1]
        if value.hasSuffix("%") {
            guard let percent = Double(value.dropLast()), percent > 0, percent <= 100 else { return nil }
            return HaltPolicy(when: when, why: why, threshold: .percent(percent))
        }
        guard let count = Int(value), count >= 1 else { return nil }
        return HaltPolicy(when: when, why: why, threshold: .count(count))
    }

    /// The counts the policy looks at, after every finished job.
    struct Tally: Sendable, Equatable {
        var succeeded = 0
        var failed = 0
        var done: Int { succeeded + failed }
    }

    /// Whether `tally` reaches the threshold; `total` is the number of jobs when known.
    func isReached(by tally: Tally, total: Int?) -> Bool {
        guard when != .never else { return false }
        let count: Int
        switch why {
        case .fail: count = tally.failed
        case .success: count = tally.succeeded
        case .done: count = tally.done
        }
        switch threshold {
        case .count(let needed): return count >= needed
        case .percent(let percent):
            // GNU relates the count to every job of the run; with a streamed input the total is
            // unknown until the end, so the jobs finished so far stand in for it until then.
            let denominator = max(total ?? tally.done, 1)
            return Double(count) * 100 >= percent * Double(denominator)
        }
    }

    /// The exit status GNU gives a run that halted: the failing job's own status for `fail=1`,
    /// 0 for a success rule, the failure count for other counts, and the failed percentage of
    /// all jobs for percentage rules.
    func exitStatus(tally: Tally, total: Int?, triggeringStatus: Int32) -> Int32 {
        if why == .success { return 0 }
        switch threshold {
        case .count(1) where why == .fail:
            return triggeringStatus
        case .count:
            return Int32(min(tally.failed, 101))
        case .percent:
            let denominator = Double(max(total ?? tally.done, 1))
            return Int32((Double(tally.failed) * 100 / denominator).rounded())
        }
    }

    /// The word GNU uses in its "This job …:" message for a finished job.
    func describes(failed: Bool) -> String? {
        switch why {
        case .fail: return failed ? "failed" : nil
        case .success: return failed ? nil : "succeeded"
        case .done: return "finished"
        }
    }
}
