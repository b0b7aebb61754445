/// How to stop a child process: the signals to send, each with the time it is allowed to take
/// before the next — to the process, or to its whole process group.
///
/// The same value serves the process pool's graceful stop (hang up, wait, then `SIGKILL`) and
/// `parallelkit run --termseq` (GNU parallel's `TERM,200,TERM,100,TERM,50,KILL,25`).
///
/// ```swift
/// let polite = Teardown.parse("TERM,500,KILL,25")!   // GNU's --termseq syntax
/// let pool = Teardown.afterHangUp(grace: .milliseconds(200))
/// ```
public struct Teardown: Sendable, Hashable {
    /// One step: send `signal` (none when `nil`), then allow `allowed` before the next step.
    public struct Step: Sendable, Hashable {
        public var signal: Int32?
        public var allowed: Duration

        public init(signal: Int32?, allowed: Duration) {
            self.signal = signal
            self.allowed = allowed
        }
    }

    /// Who receives the signals.
    public enum Target: Sendable, Hashable {
        /// The process alone.
        case process(Int32)
        /// Every process in this process group.
        case group(Int32)
    }

    public var steps: [Step]

    public init(_ steps: [Step]) {
        self.steps = steps
    }

    /// GNU parallel's default `--termseq`: `TERM,200,TERM,100,TERM,50,KILL,25`.
    public static let gnuDefault = Teardown([
        Step(signal: SIGTERM, allowed: .milliseconds(200)), Step(signal: SIGTERM, allowed: .milliseconds(100)),
        Step(signal: SIGTERM, allowed: .milliseconds(50)), Step(signal: SIGKILL, allowed: .milliseconds(25)),
    ])

    /// Sends nothing for `grace` (the caller has already asked the process to end, for example by
    /// closing its socket), then `SIGKILL`.
    public static func afterHangUp(grace: Duration) -> Teardown {
        Teardown([Step(signal: nil, allowed: grace), Step(signal: SIGKILL, allowed: .zero)])
    }

    /// `SIGKILL` at once.
    public static let kill = Teardown([Step(signal: SIGKILL, allowed: .zero)])

    /// Parses GNU parallel's `--termseq` syntax, `SIG,ms,SIG,ms,…`, where a signal is a name
    /// (`TERM`, `SIGTERM`) or a number and the last wait may be left out; `nil` when malformed.
    public static func parse(_ text: String) -> Teardown? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        var steps: [Step] = []
        var index = 0
        while index < parts.count {
            guard let signal = signalNumber(String(parts[index])) else { return nil }
            var wait = 0
            if index + 1 < parts.count {
                guard let milliseconds = Int(parts[index + 1]), milliseconds >= 0 else { return nil }
                wait = milliseconds
            }
            steps.append(Step(signal: signal, allowed: .milliseconds(wait)))
            index += 2
        }
        return steps.isEmpty ? nil : Teardown(steps)
    }

    /// A signal's number from its name (with or without `SIG`, any case) or number.
    public static func signalNumber(_ name: String) -> Int32? {
        if let number = Int32(name), number > 0, number < 65 { return number }
        let upper = name.uppercased()
        let bare = upper.hasPrefix("SIG") ? String(upper.dropFirst(3)) : upper
        let names: [String: Int32] = [
            "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "KILL": SIGKILL, "TERM": SIGTERM, "USR1": SIGUSR1,
            "USR2": SIGUSR2, "ALRM": SIGALRM, "STOP": SIGSTOP, "CONT": SIGCONT, "PIPE": SIGPIPE, "ABRT": SIGABRT,
        ]
        return names[bare]
    }

    /// Sends `step`'s signal to `target` (nothing for a `nil` signal). A target that is gone
    /// (`ESRCH`) is not an error: it has ended already.
    package static func send(_ step: Step, to target: Target) {
        guard let signal = step.signal else { return }
        switch target {
        case .process(let pid): _ = systemKill(pid, signal)
        case .group(let group): _ = systemKill(-group, signal)
        }
    }

    /// Runs the steps against `target`, blocking the calling thread: after each signal it polls
    /// `hasEnded` every millisecond for the step's time. Returns whether it ended; after a last
    /// `SIGKILL` the caller reaps the process (a killed process cannot refuse to end).
    package func run(on target: Target, hasEnded: () -> Bool) -> Bool {
        for step in steps {
            Self.send(step, to: target)
            let deadline = MonotonicClock.deadline(after: step.allowed)
            repeat {
                if hasEnded() { return true }
                if MonotonicClock.nanoseconds() >= deadline { break }
                usleep(1000)
            } while true
        }
        return hasEnded()
    }
}
