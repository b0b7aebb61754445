extension Array where Element == UInt8 {
    /// `withUnsafeBytes` that keeps `body`'s error type (a `rethrows` function throws `any Error`).
    func withBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let outcome = withUnsafeBytes { buffer in Swift.Result { () throws(Failure) in try body(buffer) } }
        return try outcome.get()
    }
}
