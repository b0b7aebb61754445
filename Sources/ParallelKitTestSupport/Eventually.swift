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
