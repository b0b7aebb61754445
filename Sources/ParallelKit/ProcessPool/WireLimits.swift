/// How large one message between a pool and its workers may be.
///
/// Every batch of inputs and every batch of results travels as one message: a length-prefixed
/// frame on the worker's socket. A message over the limit is refused before it is sent, and a
/// frame whose length prefix claims more is refused before anything is allocated for it; either
/// way the batch fails with ``BackendError/messageTooLarge(bytes:limit:tasks:pid:what:)`` naming
/// both figures, and it is never retried (it would only fail again). Set the limit per pool or
/// process with `maxMessageBytes:`; the workers are told it when they start.
///
/// ```swift
/// let pool = try await ProcessPool(workers: 4, maxMessageBytes: 4 << 30 - 1)   // the most there is
/// ```
public enum WireLimits {
    /// The default limit on one message, in bytes: 1 GiB.
    public static let defaultMaxMessageBytes = 1 << 30

    /// The largest limit the frame format allows: its length prefix is a `UInt32`.
    public static let largestMaxMessageBytes = Int(UInt32.max)

    /// The environment variable a worker reads its limit from.
    static let workerVariable = "PARALLELKIT_MAX_MESSAGE_BYTES"

    /// Checks a caller's limit: a programmer error stops the program with the value.
    static func checked(_ limit: Int, in call: StaticString) -> Int {
        precondition(
            (1...largestMaxMessageBytes).contains(limit),
            "\(call)(maxMessageBytes: \(limit)): must be 1...\(largestMaxMessageBytes)")
        return limit
    }
}
