/// Whether ``ProcessPool/map(_:_:chunking:sharing:progress:)`` hands large inputs and outputs
/// to its workers through shared memory instead of copying them through their sockets: joblib's
/// automatic memory-mapping of large NumPy arguments (`max_nbytes`), for plain-data elements.
///
/// With `.automatic`, the default, a call whose inputs are plain data (`Int`, `Double`, a struct
/// of such fields: no references, no strings, no arrays) and take at least 1 MiB together
/// (``SharedInputArray/defaultThreshold``) puts them once into one shared segment, mapped
/// read-only by the workers; each batch then travels as the segment's handle and an index
/// range. Outputs of plain data taking at least as much — with `.automatic`, only when the
/// inputs are shared too (alone, a shared output side measured slower than the sockets for
/// 1.6 MB of `Int`s); with `.above(bytes:)` at another threshold, on their own — get one shared segment the workers
/// write their results into, at their indices; a batch answers with an acknowledgement only,
/// and the result array is copied out of the segment in one pass. Anything else travels
/// encoded, as with `.never`. Results, errors and progress are the same either way.
///
/// ```swift
/// let squares = try await pool.map(Square.self, Array(0..<10_000_000))                  // shared
/// let copied = try await pool.map(Square.self, Array(0..<10_000_000), sharing: .never)  // copied
/// let small = try await pool.map(Square.self, Array(0..<1_000), sharing: .above(bytes: 0))
/// ```
///
/// "Plain data" is what Swift calls trivial: bitwise copyable (`_isPOD`), so its bytes are its
/// value in every process of the same build. Such a value's `Codable` conformance is not
/// called on the shared path; a type whose coding does more than carry its stored fields (one
/// that validates or rewrites them) should be sent with `.never`. A worker of another build
/// whose type has another layout (name, size, field names and offsets) refuses the segment:
/// the batch fails as undecodable.
///
/// The segments are memfds (`SharedSegment`): nothing is left in `/dev/shm`, and the kernel
/// frees them when the last of their processes dies, however it dies. A pool keeps the two
/// segments of its latest successful shared map for the next one whose elements have the same
/// layouts and fit (a new segment's 4 KiB pages cost the kernel an allocation and a zeroing
/// each, and as much again to free), until ``ProcessPool/close()`` or
/// ``ProcessPool/terminate()``; a failed or cancelled call frees its own. When a segment cannot
/// be created (the descriptor limit, memory), the call copies instead.
public struct Sharing: Sendable, Hashable, CustomStringConvertible {
    /// The fewest bytes an input or output array must take to be shared; `nil`: never.
    let minimumBytes: Int?

    /// Share plain-data inputs and outputs of at least 1 MiB (``SharedInputArray/defaultThreshold``).
    public static var automatic: Sharing { Sharing(minimumBytes: SharedInputArray<UInt8>.defaultThreshold) }

    /// Always copy through the workers' sockets (the behaviour before automatic sharing).
    public static var never: Sharing { Sharing(minimumBytes: nil) }

    /// Share plain-data inputs and outputs that take at least `bytes` (`0`: always).
    ///
    /// - Precondition: `bytes >= 0`.
    public static func above(bytes: Int) -> Sharing {
        precondition(bytes >= 0, "Sharing.above(bytes: \(bytes)): must be 0 or more")
        return Sharing(minimumBytes: bytes)
    }

    /// Whether `count` elements of `Element` are shared: plain data of at least the threshold.
    func shares<Element>(_: Element.Type, count: Int) -> Bool {
        guard let minimumBytes, count > 0, _isPOD(Element.self) else { return false }
        return count * MemoryLayout<Element>.stride >= minimumBytes
    }

    public var description: String {
        switch minimumBytes {
        case nil: return ".never"
        case SharedInputArray<UInt8>.defaultThreshold: return ".automatic"
        case let bytes?: return ".above(bytes: \(bytes))"
        }
    }
}
