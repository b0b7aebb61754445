import Synchronization
import ParallelKitSystem

/// A one-line progress report for work counted in items: done, running, failed, rate, time left
/// and a bar, redrawn in place on a terminal.
///
/// It keeps a handful of counters and nothing per item, so it costs the same for ten items as
/// for ten million, and it works when the total is not known yet (a streamed input): it then
/// shows the count and the rate, and the percentage, bar and time left once ``setTotal(_:)`` is
/// called. `parallelkit run --bar/--eta/--progress` reports through it.
///
/// ```swift
/// let progress = ProgressBar(style: [.bar, .eta], total: files.count)
/// for file in files {
///     progress.started()
///     let ok = convert(file)
///     progress.finished(failed: !ok)
///     progress.refresh()          // redraws at most every `refreshInterval`
/// }
/// progress.finish()               // final line and a newline
/// ```
///
/// - Note: Every method is thread-safe; items may start and finish on any thread. Drawing is a
///   `write(2)` to the output descriptor (standard error by default) and never blocks on a lock
///   held by other work.
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

    private struct State {
        var total: Int?
        var started = 0
        var finished = 0
        var failed = 0
        var lastDraw: ContinuousClock.Instant?
        var drawn = false
        var done = false
    }

    /// The style the bar was made with.
    public let style: Style
    /// The least time between two redraws by ``refresh(force:)``.
    public let refreshInterval: Duration
    private let output: Int32
    private let start: ContinuousClock.Instant
    private let state: Mutex<State>

    /// Makes a progress bar; nothing is drawn until ``refresh(force:)`` or ``finish()``.
    ///
    /// - Parameters:
    ///   - style: what the line shows (`.bar` by default).
    ///   - total: the number of items, if known now; see ``setTotal(_:)``.
    ///   - output: the file descriptor to draw on (standard error by default).
    ///   - refreshInterval: the least time between redraws.
    public init(
        style: Style = .bar, total: Int? = nil, output: Int32 = 2, refreshInterval: Duration = .milliseconds(200)
    ) {
        self.style = style.isEmpty ? .bar : style
        self.output = output
        self.refreshInterval = refreshInterval
        self.start = .now
        self.state = Mutex(State(total: total))
    }

    /// Sets the total once it is known (for example when a streamed input ends).
    public func setTotal(_ total: Int) {
        state.withLock { $0.total = total }
    }

    /// Counts `count` items as started.
    public func started(_ count: Int = 1) {
        state.withLock { $0.started += count }
    }

    /// Counts `count` items as finished, and as failed when `failed` is true.
    public func finished(_ count: Int = 1, failed: Bool = false) {
        state.withLock {
            $0.finished += count
            if failed { $0.failed += count }
        }
    }

    /// The current numbers.
    public var snapshot: Snapshot {
        let elapsed = seconds(ContinuousClock.now - start)
        return state.withLock {
            Snapshot(total: $0.total, started: $0.started, finished: $0.finished, failed: $0.failed, elapsed: elapsed)
        }
    }

    /// Redraws the line if `refreshInterval` has passed since the last draw, or when `force` is true.
    public func refresh(force: Bool = false) {
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            guard !state.done else { return nil }
            if !force, let last = state.lastDraw, now - last < refreshInterval { return nil }
            state.lastDraw = now
            state.drawn = true
            let snapshot = Snapshot(
                total: state.total, started: state.started, finished: state.finished, failed: state.failed,
                elapsed: seconds(now - start))
            return Self.render(snapshot, style: style, width: terminalWidth())
        }
        if let line { draw("\r" + line + "\u{1B}[K") }
    }

    /// Draws the final line and ends it with a newline; later calls draw nothing.
    public func finish() {
        refresh(force: true)
        let first = state.withLock { state -> Bool in
            defer { state.done = true }
            return !state.done
        }
        if first { draw("\n") }
    }

    /// The line for `snapshot` in `style`, at most `width` columns. Pure: no clock, no output.
    ///
    /// ```swift
    /// ProgressBar.render(.init(total: 200, started: 60, finished: 50, failed: 1, elapsed: 5),
    ///                    style: [.bar, .counts], width: 60)
    /// // "  25% 50/200 done, 10 running, 1 failed |██████                  |"
    /// ```
    public static func render(_ snapshot: Snapshot, style: Style, width: Int) -> String {
        var parts: [String] = []
        let percent = snapshot.total.map { total in total > 0 ? min(100, snapshot.finished * 100 / total) : 100 }
        if style.contains(.bar), let percent { parts.append(pad(String(percent), 3) + "%") }
        let totalText = snapshot.total.map { "/" + String($0) } ?? ""
        var counts = "\(snapshot.finished)\(totalText) done"
        if style.contains(.counts) || snapshot.total == nil || !style.contains(.bar) {
            counts += ", \(snapshot.running) running"
        }
        if snapshot.failed > 0 { counts += ", \(snapshot.failed) failed" }
        parts.append(counts)
        if style.contains(.eta) || snapshot.total == nil {
            if let rate = snapshot.rate {
                parts.append(decimal(rate) + "/s")
                if style.contains(.eta) { parts.append("avg " + duration(1 / rate)) }
            }
            if style.contains(.eta), let left = snapshot.secondsLeft { parts.append("ETA " + duration(left)) }
        }
        var line = " " + parts.joined(separator: " ")
        if style.contains(.bar), let percent {
            let room = width - line.count - 3
            if room >= 10 {
                let filled = room * percent / 100
                line += " |" + String(repeating: "█", count: filled) + String(repeating: " ", count: room - filled) + "|"
            }
        }
        return line.count > width ? String(line.prefix(width)) : line
    }

    // MARK: - Helpers

    private func draw(_ text: String) {
        // A progress line that cannot be drawn (a closed terminal) is not worth failing the work for.
        try? writeAll(output, Array(text.utf8))
    }

    private func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(output, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    private func seconds(_ duration: Duration) -> Double {
        let (whole, attoseconds) = duration.components
        return Double(whole) + Double(attoseconds) / 1e18
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    private static func decimal(_ value: Double) -> String {
        if value >= 100 { return String(Int(value.rounded())) }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    private static func duration(_ seconds: Double) -> String {
        if seconds < 10 { return decimal(seconds) + "s" }
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m\(pad(String(whole % 60), 2).replacingSpaces)s" }
        return "\(whole / 3600)h\(pad(String(whole % 3600 / 60), 2).replacingSpaces)m"
    }
}

extension String {
    fileprivate var replacingSpaces: String { String(map { $0 == " " ? "0" : $0 }) }
}
