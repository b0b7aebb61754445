import CParallelKit
import ParallelKitSystem

/// A clock for the engine's adaptive decisions that costs a few nanoseconds per reading.
///
/// `clock_gettime` costs ~23 ns here, which alone is a quarter of a serial `map` over 100
/// Ints; the cycle counter costs ~7 ns. Its rate is measured once against `CLOCK_MONOTONIC`.
@usableFromInline
enum Ticks {
    @inlinable @inline(__always)
    static func now() -> UInt64 { pk_ticks() }

    /// Ticks in one microsecond, measured once over a ~200 µs window.
    static let perMicrosecond: Double = {
        let startNanoseconds = monotonicNanoseconds()
        let startTicks = now()
        var nanoseconds = startNanoseconds
        while nanoseconds &- startNanoseconds < 200_000 { nanoseconds = monotonicNanoseconds() }
        let ticks = now() &- startTicks
        return max(0.001, Double(ticks) / (Double(nanoseconds &- startNanoseconds) / 1000))
    }()

    /// The number of ticks in `microseconds`.
    @usableFromInline
    static func fromMicroseconds(_ microseconds: Double) -> UInt64 {
        UInt64(microseconds * perMicrosecond)
    }

    static func monotonicNanoseconds() -> UInt64 { MonotonicClock.nanoseconds() }
}
