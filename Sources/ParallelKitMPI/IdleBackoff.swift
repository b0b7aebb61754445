#if MPI
import ParallelKitSystem

/// When a polling loop that found nothing to do polls again: at once for ``spinNanoseconds``
/// since it last found work, then after sleeps that double from 2 µs up to
/// ``maximumNanoseconds``. Blocking in `MPI_Recv` instead kept 66% of a core busy while idle
/// (Open MPI polls inside it); an `MPI_Iprobe` every ≤ 1 ms costs a few percent.
struct IdleBackoff {
    /// A few message round trips, so that a loop in the middle of a busy exchange answers the
    /// next message at once instead of after a sleep (a timed wait sleeps 50 µs or more), and
    /// short enough that a loop waiting for long tasks spends under 1% of a core on it.
    static let spinNanoseconds: UInt64 = 200_000
    /// The longest sleep between two polls of an idle loop.
    static let maximumNanoseconds: UInt64 = 1_000_000

    /// Idle rounds between two readings of the clock: between two messages of a busy exchange
    /// a loop finds nothing many times, and a reading each time was 5–7% of its time.
    static let roundsPerReading = 16

    private var idleSince: UInt64?
    private var sleep: UInt64 = 2_000
    private var rounds = 0
    /// Whether this idle spell has spun its time: it sleeps every round from then on.
    private var spun = false

    /// The round found work.
    mutating func busy() {
        idleSince = nil
        sleep = 2_000
        rounds = 0
        spun = false
    }

    /// The round found nothing: `nil` to poll again at once, or how long to sleep first.
    mutating func idle() -> UInt64? {
        rounds += 1
        if !spun {
            if rounds % Self.roundsPerReading != 1 { return nil }
            let now = MonotonicClock.nanoseconds()
            let since = idleSince ?? now
            idleSince = since
            if now - since < Self.spinNanoseconds { return nil }
            spun = true
        }
        defer { sleep = min(sleep * 2, Self.maximumNanoseconds) }
        return sleep
    }
}
#endif
