/// A bounded sample of the runtimes of successful jobs, for `--timeout N%`: the median of up to
/// 1,001 values (new values replace a random old one once full), so memory stays constant.
struct RuntimeSample {
    private var values: [Double] = []
    private var seen = 0
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// The median of `values` as last computed; nil after a change.
    private var cachedMedian: Double?

    mutating func add(_ value: Double) {
        seen += 1
        cachedMedian = nil
        if values.count < 1001 {
            values.append(value)
            return
        }
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let index = Int((state >> 33) % UInt64(seen))
        if index < values.count { values[index] = value }
    }

    /// The median, once three jobs have succeeded (sorted once per change, not per job start).
    mutating func median() -> Double? {
        guard values.count >= 3 else { return nil }
        if let cachedMedian { return cachedMedian }
        let sorted = values.sorted()
        cachedMedian = sorted[sorted.count / 2]
        return cachedMedian
    }
}
