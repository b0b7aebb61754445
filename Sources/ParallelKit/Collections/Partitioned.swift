extension RandomAccessCollection {
    /// Cuts the collection into `parts` consecutive pieces whose sizes differ by at most one —
    /// NumPy's `np.array_split(a, parts)`.
    ///
    /// The first `count % parts` pieces hold one element more than the others; when there are
    /// fewer elements than pieces, the last pieces are empty. Joining the pieces in order
    /// (``Swift/Sequence/concatenated()``) gives the collection back.
    ///
    /// ```swift
    /// let parts = Array(0..<10).partitioned(into: 3)      // [0, 1, 2, 3], [4, 5, 6], [7, 8, 9]
    /// let sums = try await Parallel(jobs: 3).map(parts) { $0.reduce(0, +) }    // [6, 15, 24]
    /// let back = parts.concatenated()                      // [0, 1, … 9]
    /// ```
    ///
    /// - Parameter parts: how many pieces; at least 1.
    /// - Returns: `parts` slices of the collection, in order; they share its storage.
    /// - Precondition: `parts` is at least 1 (NumPy raises for 0); the program stops with a
    ///   message naming the value otherwise.
    /// - Complexity: O(`parts`).
    public func partitioned(into parts: Int) -> [SubSequence] {
        precondition(parts >= 1, "partitioned(into: \(parts)): the number of parts must be at least 1")
        let (base, extra) = count.quotientAndRemainder(dividingBy: parts)
        var pieces: [SubSequence] = []
        pieces.reserveCapacity(parts)
        var start = startIndex
        for part in 0..<parts {
            let end = index(start, offsetBy: base + (part < extra ? 1 : 0))
            pieces.append(self[start..<end])
            start = end
        }
        return pieces
    }
}

extension Sequence where Element: Sequence {
    /// The elements of every piece, in order, in one array — NumPy's `np.vstack` (or
    /// `np.concatenate`) of the results of a partitioned computation, and the inverse of
    /// ``Swift/RandomAccessCollection/partitioned(into:)``.
    ///
    /// ```swift
    /// let shapes = [[125, 2], [125, 2], [125, 2], [125, 2]].concatenated()   // [125, 2, 125, 2, …]
    /// ```
    ///
    /// - Complexity: O(*n*) in the total number of elements.
    public func concatenated() -> [Element.Element] {
        var joined: [Element.Element] = []
        joined.reserveCapacity(underestimatedCount)
        for piece in self { joined.append(contentsOf: piece) }
        return joined
    }
}
