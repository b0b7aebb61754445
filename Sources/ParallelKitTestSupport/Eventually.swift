/// Polls `condition` every `interval` until it holds or `limit` has passed, sleeping between
/// checks with `Task.sleep`, so that the wait holds no thread of the cooperative pool.
///
/// - Returns: Whether `condition` held, checked once more when the time is up.
///
/// ```swift
/// #expect(await eventually(within: .seconds(5)) { processIsGone(pid) })
/// ```
package func eventually(
    within limit: Duration = .seconds(5), every interval: Duration = .milliseconds(1), _ condition: () -> Bool
) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return condition()
}
