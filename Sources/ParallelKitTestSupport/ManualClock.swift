import Synchronization

/// A clock that moves only when told: the time a scripted ``ScriptedWorkerHost`` reports to the
/// pool's driver, so that tests decide how long a batch took.
///
/// ```swift
/// let clock = ManualClock()
/// clock.advance(by: .milliseconds(40))
/// ```
package final class ManualClock: Sendable {
    private let value: Atomic<UInt64>

    /// A clock reading `start` nanoseconds (not zero, so that differences never wrap).
    package init(start: UInt64 = 1_000_000_000) {
        value = Atomic(start)
    }

    /// Nanoseconds since an arbitrary start, as `MonotonicClock.nanoseconds()`.
    package var nanoseconds: UInt64 { value.load(ordering: .acquiring) }

    /// Moves the clock on by `duration`.
    package func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        value.add(UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000), ordering: .acquiringAndReleasing)
    }
}
