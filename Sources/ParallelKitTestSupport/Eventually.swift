import ParallelKitSystem

/// Polls `condition` every millisecond, up to 5000 times, sleeping between checks with
/// `Task.sleep`, so that the wait holds no thread of the cooperative pool.
///
/// A number of checks, not a deadline: a test that resumes late because other tests keep the
/// pool busy still gets all its checks. Where a bound must hold in wall-clock time, poll on a
/// thread of its own, through ``offCooperativePool(_:)``.
///
/// ```swift
/// #expect(await eventually { processIsGone(pid) })
/// ```
package func eventually(_ condition: () -> Bool) async -> Bool {
    for _ in 0..<5000 {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return condition()
}

/// Polls `condition` every 10 ms, on a thread of its own, until it holds or `limit` of
/// wall-clock time has passed: for bounds that must hold in real time.
package func eventually(within limit: Duration, _ condition: @escaping @Sendable () -> Bool) async -> Bool {
    await offCooperativePool {
        let deadline = ContinuousClock.now + limit
        while !condition() {
            if ContinuousClock.now >= deadline { return false }
            usleep(10_000)
        }
        return true
    }
}
