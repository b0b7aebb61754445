/// The package's one clock for deadlines and durations: `CLOCK_MONOTONIC`, which wall-clock
/// changes do not move. (The engine's cycle counter, `Ticks`, is calibrated against it.)
package enum MonotonicClock {
    /// Nanoseconds since an arbitrary start (the boot, on Linux).
    @inlinable
    package static func nanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    /// ``nanoseconds()`` as of the kernel's last timer tick (`CLOCK_MONOTONIC_COARSE`: 1 to 4 ms
    /// behind, never backwards): a few nanoseconds to read where the precise clock costs tens,
    /// for checks made on every event that need only milliseconds (a progress bar's throttle).
    @inlinable
    package static func coarseNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    /// Seconds since the Unix epoch, from the wall clock (for logs that print a start time).
    package static func wallSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// `duration` in whole nanoseconds, saturating at `UInt64.max` and at 0 for negative ones.
    package static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        return whole &+ UInt64(attoseconds / 1_000_000_000)
    }

    /// The instant `duration` from now, in ``nanoseconds()``.
    package static func deadline(after duration: Duration) -> UInt64 {
        let (sum, overflow) = nanoseconds().addingReportingOverflow(nanoseconds(duration))
        return overflow ? .max : sum
    }
}
