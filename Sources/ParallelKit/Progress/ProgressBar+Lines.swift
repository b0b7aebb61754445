extension ProgressBar {
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

    /// A frame's text: the label, ``render(_:style:width:)`` and, for a failed end, `(failed)`,
    /// at most `width` columns.
    static func line(_ snapshot: Snapshot, style: Style, label: String?, failed: Bool, width: Int) -> String {
        let prefix = label.map { $0 + ":" } ?? ""
        let suffix = failed ? " (failed)" : ""
        let body = render(snapshot, style: style, width: max(0, width - prefix.count - suffix.count))
        let line = prefix + body + suffix
        return line.count > width ? String(line.prefix(max(0, width))) : line
    }

    /// The one plain line a bar that does not draw leaves in a log: counts, time and rate.
    ///
    /// `"convert: 998/1000 done, 2 failed in 4.2s, 238/s (failed)"`
    static func summaryLine(_ snapshot: Snapshot, label: String?, failed: Bool) -> String {
        var text = label.map { $0 + ": " } ?? ""
        text += "\(snapshot.finished)" + (snapshot.total.map { "/\($0)" } ?? "") + " done"
        if snapshot.running > 0 { text += ", \(snapshot.running) running" }
        if snapshot.failed > 0 { text += ", \(snapshot.failed) failed" }
        text += " in " + duration(snapshot.elapsed)
        if let rate = snapshot.rate { text += ", " + decimal(rate) + "/s" }
        if failed { text += " (failed)" }
        return text
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
