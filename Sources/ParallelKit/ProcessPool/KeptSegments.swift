import Synchronization

/// The shared segments of a ``ProcessPool``'s latest successful shared map, kept for its next
/// one (``Sharing``): at most one for inputs and one for outputs.
///
/// Creating a segment costs the kernel a page allocation, a zeroing and a page-cache insertion
/// for every 4 KiB page (shared memory gets no transparent huge pages on this kernel:
/// `shmem_enabled` is `never`), and freeing it as much again: for squares over 10,000,000
/// `Int`s (80 MB each way) that was 75–90 ms creating and filling the input segment and
/// 31–35 ms releasing both, of a call of about 200 ms (2 cores). A later call whose elements
/// have the same layout and fit reuses them: its inputs are copied into pages already
/// allocated and mapped, and the workers write into pages that exist.
///
/// Only a call that succeeded gives its segments back, once every batch has answered; a call
/// that failed or was cancelled frees them, so no worker can still be writing into a segment
/// another call has taken. ``ProcessPool/close()`` and ``ProcessPool/terminate()`` free them.
final class KeptSegments: Sendable {
    enum Role { case inputs, outputs }

    private let state = Mutex<(inputs: SharedSegment?, outputs: SharedSegment?, closed: Bool)>((nil, nil, false))

    /// The kept segment for `role` if it holds `kind` and at least `count` elements, taken out;
    /// otherwise nil, and whatever is kept stays.
    func take(_ role: Role, kind: String, count: Int) -> SharedSegment? {
        state.withLock { state in
            let kept = role == .inputs ? state.inputs : state.outputs
            guard let kept, kept.kind == kind, kept.count >= count else { return nil }
            if role == .inputs { state.inputs = nil } else { state.outputs = nil }
            return kept
        }
    }

    /// Keeps `segment` for `role`, in place of the one kept before; frees it instead once the
    /// pool is closed.
    func keep(_ segment: SharedSegment, as role: Role) {
        // What is let go is unmapped and closed after the lock, when the value goes.
        let replaced: SharedSegment? = state.withLock { state in
            if state.closed { return segment }
            defer { if role == .inputs { state.inputs = segment } else { state.outputs = segment } }
            return role == .inputs ? state.inputs : state.outputs
        }
        withExtendedLifetime(replaced) {}
    }

    /// Frees the kept segments and keeps none from now on.
    func releaseAll() {
        let released = state.withLock { state in
            defer { state = (nil, nil, true) }
            return (state.inputs, state.outputs)
        }
        withExtendedLifetime(released) {}
    }

    /// How many segments are kept now (tests).
    var count: Int { state.withLock { ($0.inputs == nil ? 0 : 1) + ($0.outputs == nil ? 0 : 1) } }
}
