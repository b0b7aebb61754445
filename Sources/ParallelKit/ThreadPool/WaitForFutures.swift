import Synchronization

/// When ``waitForFutures(_:until:timeout:)`` returns — Python's `FIRST_COMPLETED`,
/// `FIRST_EXCEPTION` and `ALL_COMPLETED`.
public enum WaitCondition: Sendable {
    /// Every future is done.
    case allCompleted
    /// At least one future is done.
    case firstCompleted
    /// One future failed (threw, was cancelled or dropped), or every future is done.
    case firstError
}

/// Waits, without blocking a thread, until `condition` holds for `futures` or `timeout` passes.
///
/// ```swift
/// let futures = try files.map { file in try io.submit { try checksum(file) } }
/// let (done, pending) = await waitForFutures(futures, until: .firstError, timeout: .seconds(30))
/// ```
///
/// - Returns: the indices of the futures that are done and of those that are not, each in
///   ascending order. On a timeout `pending` is not empty (unless the condition held anyway).
public func waitForFutures<Value, Failure>(
    _ futures: [Future<Value, Failure>],
    until condition: WaitCondition = .allCompleted,
    timeout: Duration? = nil
) async -> (done: [Int], pending: [Int]) {
    let gate = WaitGate(total: futures.count, condition: condition)
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        gate.arm(continuation)
        for future in futures {
            future.onCompletion { outcome in
                if case .failure = outcome { gate.record(failure: true) } else { gate.record(failure: false) }
            }
        }
        if let timeout {
            Task {
                try? await Task.sleep(for: timeout)
                gate.open()
            }
        }
    }
    var done: [Int] = []
    var pending: [Int] = []
    for (index, future) in futures.enumerated() {
        if future.isDone { done.append(index) } else { pending.append(index) }
    }
    return (done, pending)
}

extension Future {
    /// Waits until every future is done and returns their outcomes in order.
    ///
    /// ```swift
    /// let outcomes = await Future.waitAll(futures)    // [Result<Value, FutureError<Failure>>]
    /// ```
    public static func waitAll(_ futures: [Future]) async -> [Outcome] {
        _ = await waitForFutures(futures, until: .allCompleted)
        var outcomes: [Outcome] = []
        for future in futures {
            do throws(FutureError<Failure>) {
                outcomes.append(.success(try await future.value))
            } catch {
                outcomes.append(.failure(error))
            }
        }
        return outcomes
    }

    /// Waits until one future is done and returns its index (the lowest, if several are).
    ///
    /// - Returns: `nil` only for an empty array.
    public static func waitAny(_ futures: [Future]) async -> Int? {
        await waitForFutures(futures, until: .firstCompleted).done.first
    }

    /// Waits until a future fails or all are done; returns the first failure found, in order.
    public static func waitUntilFirstError(_ futures: [Future]) async -> FutureError<Failure>? {
        let (done, _) = await waitForFutures(futures, until: .firstError)
        for index in done {
            if case .failure(let error) = await outcome(of: futures[index]) { return error }
        }
        return nil
    }

    private static func outcome(of future: Future) async -> Outcome {
        do throws(FutureError<Failure>) {
            return .success(try await future.value)
        } catch {
            return .failure(error)
        }
    }
}

/// Counts completions and resumes one waiter, once, when the condition holds.
private final class WaitGate: Sendable {
    private struct State {
        var completed = 0
        var continuation: CheckedContinuation<Void, Never>?
        var opened = false
    }

    private let total: Int
    private let condition: WaitCondition
    private let state = Mutex(State())

    init(total: Int, condition: WaitCondition) {
        self.total = total
        self.condition = condition
    }

    func arm(_ continuation: CheckedContinuation<Void, Never>) {
        let resumeNow = state.withLock { state in
            state.continuation = continuation
            return total == 0
        }
        if resumeNow { open() }
    }

    func record(failure: Bool) {
        let holds = state.withLock { state -> Bool in
            state.completed += 1
            switch condition {
            case .allCompleted: return state.completed == total
            case .firstCompleted: return true
            case .firstError: return failure || state.completed == total
            }
        }
        if holds { open() }
    }

    func open() {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.opened, let continuation = state.continuation else { return nil }
            state.opened = true
            state.continuation = nil
            return continuation
        }
        continuation?.resume()
    }
}
