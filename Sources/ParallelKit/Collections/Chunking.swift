/// How a parallel operation cuts its input into the chunks that workers claim.
///
/// `.adaptive`, the default, first times the first and the last element on the calling thread:
/// if the whole input is estimated to take less than the cost of waking a worker, it finishes
/// as a plain loop. Otherwise workers claim shrinking chunks (guided self-scheduling: a quarter
/// of what is left for two workers, an eighth for four, …), so big early chunks keep the
/// overhead low and small late chunks keep the workers finishing together.
///
/// ```swift
/// let a = data.parallelMap(chunking: .fixed(1000)) { cost($0) }                      // always 1000
/// let b = data.parallelMap(chunking: .adaptive(minimum: 64)) { cost($0) }             // Rayon's with_min_len
/// let c = data.parallelMap(chunking: .adaptive(minimum: 1, maximum: 16)) { slow($0) } // Rayon's with_max_len
/// ```
public struct Chunking: Sendable, Hashable, CustomStringConvertible {
    /// Whether sizes adapt (guided) or stay fixed.
    @usableFromInline
    enum Mode: Sendable, Hashable {
        case adaptive
        case fixed
    }

    @usableFromInline let mode: Mode
    /// The smallest chunk a worker claims (the last chunk may be shorter).
    @usableFromInline let minimum: Int
    /// The largest chunk a worker claims.
    @usableFromInline let maximum: Int

    @inlinable
    init(mode: Mode, minimum: Int, maximum: Int) {
        self.mode = mode
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Guided chunks with no bounds: the default.
    @inlinable
    public static var adaptive: Chunking { Chunking(mode: .adaptive, minimum: 1, maximum: .max) }

    /// Guided chunks of at least `minimum` and at most `maximum` elements.
    ///
    /// Raise `minimum` when one element is so cheap that claiming costs more than computing;
    /// lower `maximum` when elements are slow and an error or a short-circuit should stop sooner.
    /// - Precondition: `1 <= minimum <= maximum`.
    public static func adaptive(minimum: Int = 1, maximum: Int = .max) -> Chunking {
        precondition(
            minimum >= 1 && maximum >= minimum,
            "Chunking.adaptive(minimum: \(minimum), maximum: \(maximum)): need 1 <= minimum <= maximum"
        )
        return Chunking(mode: .adaptive, minimum: minimum, maximum: maximum)
    }

    /// Chunks of exactly `size` elements (the last may be shorter), claimed in order.
    ///
    /// - Precondition: `size >= 1`.
    public static func fixed(_ size: Int) -> Chunking {
        precondition(size >= 1, "Chunking.fixed(\(size)): a chunk size must be 1 or more")
        return Chunking(mode: .fixed, minimum: size, maximum: size)
    }

    public var description: String {
        switch mode {
        case .fixed: return ".fixed(\(minimum))"
        case .adaptive where minimum == 1 && maximum == .max: return ".adaptive"
        case .adaptive: return ".adaptive(minimum: \(minimum), maximum: \(maximum))"
        }
    }
}
