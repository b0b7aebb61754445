import Foundation

/// Runs `body` on a thread of its own and awaits its result, so that a blocking wait — for a
/// process, a pipe, a lock — does not hold one of the cooperative pool's threads (two, on a
/// 2-core machine: two such waits would stall every other test).
///
/// ```swift
/// let status = await offCooperativePool { waitForExit(pid) }
/// ```
package func offCooperativePool<Value: Sendable, Failure: Error>(
    _ body: @escaping @Sendable () throws(Failure) -> Value
) async throws(Failure) -> Value {
    let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, Failure>, Never>) in
        let thread = Thread { continuation.resume(returning: Result { () throws(Failure) in try body() }) }
        thread.name = "pk-test-wait"
        thread.start()
    }
    return try result.get()
}
