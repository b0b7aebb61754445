/// Amdahl's law fitted to measured speedups: the serial fraction `s` for which
/// `1 / (s + (1 - s) / p)` best matches the points, where `p` is the workers that can run at once
/// (`min(workers, cores)`: past the usable cores, more workers only take turns).
///
/// The fit is least squares on each point's time fraction `1 / speedup`, which is linear in `s`
/// (`1/S = 1/p + s · (1 - 1/p)`), so it has a closed form and recovers `s` exactly from points
/// that follow the law. One worker says nothing about `s` (its fraction is 1 whatever `s` is) and
/// carries no weight.
struct AmdahlFit: Equatable {
    /// The fitted serial fraction, in 0...1.
    var serialFraction: Double
    /// The usable cores the fit assumed.
    var cores: Int

    /// Fits `points` (workers, speedup); `nil` when none has more than one worker running at once
    /// or no speedup is positive and finite.
    init?(_ points: [(workers: Int, speedup: Double)], cores: Int) {
        var weight = 0.0
        var sum = 0.0
        for point in points where point.speedup.isFinite && point.speedup > 0 {
            let inverse = 1 / Double(Self.running(point.workers, cores: cores))
            let slope = 1 - inverse
            weight += slope * slope
            sum += slope * (1 / point.speedup - inverse)
        }
        guard weight > 0 else { return nil }
        self.serialFraction = min(1, max(0, sum / weight))
        self.cores = cores
    }

    init(serialFraction: Double, cores: Int) {
        self.serialFraction = serialFraction
        self.cores = cores
    }

    /// The speedup the law predicts for `workers`.
    func speedup(workers: Double) -> Double {
        let running = min(workers, Double(cores))
        return 1 / (serialFraction + (1 - serialFraction) / running)
    }

    /// Workers that run at once: `workers`, at most `cores`, at least 1.
    static func running(_ workers: Int, cores: Int) -> Int { max(1, min(workers, cores)) }
}
