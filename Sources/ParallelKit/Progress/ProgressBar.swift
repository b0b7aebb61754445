import ParallelKitSystem
import Synchronization

/// A one-line progress report for work counted in items — done, running, failed, rate, time
/// left and a bar — that any backend drives by reporting ``ProgressEvent``s, and that redraws
/// itself in place on a terminal.
///
/// Pass it as the `progress:` of any backend's `map` (it is a ``ProgressSink``) or count items
/// yourself; either way the events redraw the line, at most once every `refreshInterval`
/// (100 ms: ten frames a second), on whichever thread reported. It keeps a handful of atomic
/// counters and nothing per item, so it costs the same for ten items as for ten million, and it
/// works when the total is not known yet (a streamed input): it then shows the count and the
/// rate, and the percentage, bar and time left once ``setTotal(_:)`` is called.
///
/// ```swift
/// let progress = ProgressBar(style: [.bar, .eta], label: "resize")
/// let sizes = try await files.parallelMap(Resize.self, on: .threads, progress: progress)
/// progress.finish()               // the final line and a newline
/// ```
///
/// **Where it draws.** Only on a terminal: by default (``Drawing/whenTerminal``) a bar whose
/// output (standard error) is a pipe or a file writes nothing at all, so logs and CI output stay
/// free of carriage returns. `summary: true` asks for one plain line there instead, written by
/// ``finish(failed:erasingLine:)``: `resize: 1000/1000 done, 3 failed in 4.2s, 238/s`.
/// ``Drawing/always`` draws frames whatever the output is (`parallelkit run --bar` does, as GNU
/// parallel does).
///
/// **A clean terminal.** Every frame is one `write(2)` of `\r`, the line and `\e[K` (erase to
/// the end of the line): a complete overwrite of the line, never a part of one. The final line
/// ends with a newline; `finish(failed: true)` marks it `(failed)`. The cursor is never hidden.
/// The library installs no signal handler (it touches no process-wide state), so on Ctrl-C the
/// program dies with the last frame on the screen: one complete line, which the shell ends
/// (bash and zsh start the prompt on a new line after a job killed by `SIGINT`). A bar released
/// without ``finish(failed:erasingLine:)`` — an error thrown past it — ends its line when it is
/// deinitialized.
///
/// **Nested and concurrent bars.** On one descriptor only the newest unfinished bar draws (the
/// innermost of nested ones); when it finishes, its final line stays and the one started before
/// it draws again, on the next line. Two bars never write at the same time.
///
/// - Note: Every method is thread-safe; items may start and finish on any thread. An event costs
///   a few atomic operations and a clock read; the thread whose event wins a redraw writes one
///   line, and no thread ever waits for another's write (a frame that finds another being
///   written is skipped). Only ``finish(failed:erasingLine:)`` and ``clear()`` wait, for at most
///   one frame's write.
public final class ProgressBar: Sendable {
    /// What the line shows; styles combine.
    public struct Style: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// A bar and the percentage done (GNU parallel's `--bar`).
        public static let bar = Style(rawValue: 1)
        /// The rate, average time per item and estimated time left (`--eta`).
        public static let eta = Style(rawValue: 2)
        /// Done, running and failed counts (`--progress`).
        public static let counts = Style(rawValue: 4)
    }

    /// When the bar draws its line.
    public enum Drawing: Sendable, Hashable {
        /// Only when the output descriptor is a terminal (the default); elsewhere nothing, or
        /// the one `summary` line.
        case whenTerminal
        /// Whatever the output is: a pipe or a file gets every frame too.
        case always
        /// Never: the bar only counts (and writes its `summary` line, if asked).
        case never
    }

    /// The numbers one line is drawn from.
    public struct Snapshot: Sendable, Equatable {
        /// Items in all, when known.
        public var total: Int?
        public var started: Int
        public var finished: Int
        public var failed: Int
        /// Seconds since the bar was made.
        public var elapsed: Double

        public init(total: Int?, started: Int, finished: Int, failed: Int, elapsed: Double) {
            self.total = total
            self.started = started
            self.finished = finished
            self.failed = failed
            self.elapsed = elapsed
        }

        /// Items started and not finished.
        public var running: Int { max(0, started - finished) }
        /// Finished items per second, once there is something to measure.
        public var rate: Double? { finished > 0 && elapsed > 0 ? Double(finished) / elapsed : nil }
        /// Seconds left at the rate so far, when the total is known.
        public var secondsLeft: Double? {
            guard let total, let rate, rate > 0 else { return nil }
            return Double(max(0, total - finished)) / rate
        }
    }

    /// The style the bar was made with.
    public let style: Style
    /// The least time between two frames.
    public let refreshInterval: Duration
    /// Whether ``finish(failed:erasingLine:)`` writes a one-line summary when the bar does not draw.
    public let summary: Bool
    let output: Int32
    /// The bar's place among the drawing bars, or nil when it does not draw.
    let ticket: Int?
    private let clock: (@Sendable () -> Int)?
    private let start: Int
    private let notBefore: Int
    private let throttle: ProgressThrottle
    private let total = Atomic(-1)
    private let startedCount = Atomic(0)
    private let finishedCount = Atomic(0)
    private let failedCount = Atomic(0)
    private let drawn = Atomic(false)
    private let done = Atomic(false)
    private let label: Mutex<String?>

    /// Makes a progress bar; it draws from the first event (or after `delay`).
    ///
    /// ```swift
    /// let quiet = ProgressBar(style: .counts, summary: true)      // a line for the log, at the end
    /// let slow = ProgressBar(label: "index", delay: .seconds(1))  // only for runs over a second
    /// ```
    ///
    /// - Parameters:
    ///   - style: what the line shows (`.bar` by default).
    ///   - total: the number of items, if known now; see ``setTotal(_:)``.
    ///   - label: a word or two shown first (``setLabel(_:)`` changes it).
    ///   - output: the file descriptor to draw on (standard error by default).
    ///   - refreshInterval: the least time between frames (100 ms: at most 10 a second).
    ///   - drawing: when to draw: only on a terminal (the default), always, or never.
    ///   - summary: when the bar does not draw, write one plain line at the end instead.
    ///   - delay: draw nothing until this long after the bar is made, so that a quick run
    ///     leaves no line (the `summary`, if asked, is written all the same).
    public convenience init(
        style: Style = .bar, total: Int? = nil, label: String? = nil, output: Int32 = 2,
        refreshInterval: Duration = .milliseconds(100), drawing: Drawing = .whenTerminal,
        summary: Bool = false, delay: Duration = .zero
    ) {
        self.init(
            style: style, total: total, label: label, output: output, refreshInterval: refreshInterval,
            drawing: drawing, summary: summary, delay: delay, clock: nil)
    }

    /// The designated initializer; `clock` (nanoseconds) replaces `MonotonicClock` in tests.
    init(
        style: Style, total: Int?, label: String?, output: Int32, refreshInterval: Duration,
        drawing: Drawing, summary: Bool, delay: Duration, clock: (@Sendable () -> Int)?
    ) {
        self.style = style.isEmpty ? .bar : style
        self.output = output
        self.refreshInterval = refreshInterval
        self.summary = summary
        self.clock = clock
        self.label = Mutex(label)
        if let total { self.total.store(max(0, total), ordering: .relaxed) }
        let start = clock?() ?? Int(truncatingIfNeeded: MonotonicClock.coarseNanoseconds())
        self.start = start
        notBefore = start &+ Int(clamping: MonotonicClock.nanoseconds(delay))
        throttle = ProgressThrottle(
            interval: Int(clamping: MonotonicClock.nanoseconds(refreshInterval)), notBefore: notBefore)
        let draws: Bool
        switch drawing {
        case .whenTerminal: draws = isTerminal(output)
        case .always: draws = true
        case .never: draws = false
        }
        ticket = draws ? LiveProgressBars.register(output: output) : nil
    }

    deinit {
        // An error thrown past the bar: end its line (or write its summary) rather than leave
        // the terminal's next output glued to a frame.
        if ticket == nil || drawn.load(ordering: .relaxed) {
            finish()
        } else if let ticket {
            LiveProgressBars.unregister(ticket)
        }
    }

    // MARK: - Counting

    /// Sets the total once it is known (for example when a streamed input ends).
    public func setTotal(_ total: Int) {
        self.total.store(max(0, total), ordering: .relaxed)
        eventHappened()
    }

    /// Sets the words shown first on the line (nil: none), for example the step now running.
    public func setLabel(_ label: String?) {
        self.label.withLock { $0 = label }
        eventHappened()
    }

    /// Counts `count` items as started.
    public func started(_ count: Int = 1) {
        startedCount.wrappingAdd(count, ordering: .relaxed)
        eventHappened()
    }

    /// Counts `count` items as finished, and as failed when `failed` is true.
    public func finished(_ count: Int = 1, failed: Bool = false) {
        finishedCount.wrappingAdd(count, ordering: .relaxed)
        if failed { failedCount.wrappingAdd(count, ordering: .relaxed) }
        eventHappened()
    }

    /// The current numbers.
    public var snapshot: Snapshot { snapshot(at: now()) }

    // MARK: - Drawing

    /// Redraws the line if `refreshInterval` has passed since the last frame, or now when `force`
    /// is true. Events redraw by themselves; call this from a timer to keep the rate and time
    /// left moving while no item ends.
    public func refresh(force: Bool = false) {
        guard ticket != nil else { return }
        let now = now()
        if force {
            throttle.drew(at: now)
            drawFrame(at: now)
        } else if throttle.claim(at: now) {
            drawFrame(at: now)
        }
    }

    /// Erases the bar's line so that other output can be printed; the next frame draws it again.
    public func clear() {
        guard let ticket, drawn.load(ordering: .relaxed) else { return }
        guard LiveProgressBars.takePen(ticket, output: output, newestOnly: true, wait: true) else { return }
        defer { LiveProgressBars.releasePen(output: output) }
        guard !done.load(ordering: .acquiring) else { return }
        write("\r\u{1B}[K")
        drawn.store(false, ordering: .relaxed)
    }

    /// Ends the bar: draws the final line and a newline (or, with `erasingLine`, erases the line);
    /// a bar that does not draw writes its `summary` line, if asked. Later calls do nothing, and
    /// no frame follows.
    ///
    /// ```swift
    /// do {
    ///     _ = try await pool.map(Square.self, inputs, progress: bar)
    ///     bar.finish()
    /// } catch {
    ///     bar.finish(failed: true)    // "  40% 400/1000 done, 1 failed, 600 skipped … (failed)"
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - failed: the work failed as a whole: the final line says `(failed)`.
    ///   - erasingLine: leave no line on the terminal (a bar shown only while something runs).
    public func finish(failed: Bool = false, erasingLine: Bool = false) {
        guard !done.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let now = now()
        guard let ticket else {
            if summary { write(Self.summaryLine(snapshot(at: now), label: currentLabel, failed: failed) + "\n") }
            return
        }
        defer { LiveProgressBars.unregister(ticket) }
        _ = LiveProgressBars.takePen(ticket, output: output, newestOnly: false, wait: true)
        defer { LiveProgressBars.releasePen(output: output) }
        let wasDrawn = drawn.load(ordering: .relaxed)
        if erasingLine {
            if wasDrawn { write("\r\u{1B}[K") }
        } else if wasDrawn || now >= notBefore {
            write("\r" + frame(at: now, failed: failed) + "\u{1B}[K\n")
        }
    }

    // MARK: - Helpers

    @inline(__always)
    private func eventHappened() {
        guard ticket != nil else { return }
        let now = now()
        if throttle.claim(at: now) { drawFrame(at: now) }
    }

    private func drawFrame(at now: Int) {
        guard let ticket, LiveProgressBars.takePen(ticket, output: output, newestOnly: true, wait: false) else {
            return
        }
        defer { LiveProgressBars.releasePen(output: output) }
        guard !done.load(ordering: .acquiring) else { return }
        write("\r" + frame(at: now, failed: false) + "\u{1B}[K")
        drawn.store(true, ordering: .relaxed)
    }

    /// The line at `now`, as wide as the terminal allows (one column short of it, so that the
    /// cursor never waits in the last column, where some terminals wrap), or 80 columns.
    private func frame(at now: Int, failed: Bool) -> String {
        let width = terminalColumns(of: output).map { $0 - 1 } ?? 80
        return Self.line(snapshot(at: now), style: style, label: currentLabel, failed: failed, width: width)
    }

    private var currentLabel: String? { label.withLock { $0 } }

    private func now() -> Int {
        clock?() ?? Int(truncatingIfNeeded: MonotonicClock.coarseNanoseconds())
    }

    private func snapshot(at now: Int) -> Snapshot {
        let failed = failedCount.load(ordering: .relaxed)
        let total = total.load(ordering: .relaxed)
        return Snapshot(
            total: total < 0 ? nil : total, started: startedCount.load(ordering: .relaxed),
            finished: finishedCount.load(ordering: .relaxed), failed: failed, elapsed: Double(now &- start) / 1e9)
    }

    private func write(_ text: String) {
        // One write(2) for a whole frame. A line that cannot be drawn (a closed terminal) is not
        // worth failing the work for.
        try? writeAll(output, Array(text.utf8))
    }
}
