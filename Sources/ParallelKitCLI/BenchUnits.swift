/// The units `parallelkit bench`'s table prints figures in: each figure in the unit that gives it
/// one to three digits before the point, so that 0.000001 s reads as 1.0 µs.
enum BenchUnits {
    /// `seconds` in ns, µs, ms or s: `"812 ns"`, `"3.4 µs"`, `"109.9 ms"`, `"9.90 s"`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        if seconds < 1e-6 { return fixed(seconds * 1e9, 0) + " ns" }
        if seconds < 1e-3 { return fixed(seconds * 1e6, 1) + " µs" }
        if seconds < 1 { return fixed(seconds * 1e3, 1) + " ms" }
        return fixed(seconds, 2) + " s"
    }

    /// A rate per second with a decimal prefix: `"91.0 M/s"`, `"1.2 k/s"`, `"640/s"`.
    static func rate(_ perSecond: Double) -> String {
        guard perSecond.isFinite, perSecond >= 0 else { return "-" }
        for (scale, prefix) in [(1e9, "G"), (1e6, "M"), (1e3, "k")] where perSecond >= scale {
            return fixed(perSecond / scale, 1) + " " + prefix + "/s"
        }
        return fixed(perSecond, 0) + "/s"
    }

    /// A ratio as a factor: `"2.85x"`, and `"0.0012x"` with more digits when it is small.
    static func factor(_ ratio: Double) -> String {
        guard ratio.isFinite else { return "-" }
        return fixed(ratio, ratio < 0.1 ? 4 : 2) + "x"
    }
}
