extension Future {
    /// A pending future for a backend in another module of this package (MPI) to finish.
    package static func pending() -> Future { Future() }

    /// Stores `outcome` and runs the callbacks, unless already done (``finish(_:onlyIfPending:)``).
    @discardableResult
    package func complete(_ outcome: Outcome) -> Bool { finish(outcome) }
}
