#if MPI
import Synchronization

/// Completions pushed from the MPI thread, taken one at a time by one async reader.
final class MPIInbox<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var head = 0
        var reader: UnsafeContinuation<Element, Never>?
    }

    private let state = Mutex(State())

    func push(_ element: Element) {
        let reader = state.withLock { state -> UnsafeContinuation<Element, Never>? in
            if let reader = state.reader {
                state.reader = nil
                return reader
            }
            state.items.append(element)
            return nil
        }
        reader?.resume(returning: element)
    }

    /// The oldest completion not yet taken, waiting for one if there is none.
    func next() async -> Element {
        if let ready = take() { return ready }
        return await withUnsafeContinuation { continuation in
            let ready = state.withLock { state -> Element? in
                if let ready = Self.take(&state) { return ready }
                state.reader = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func take() -> Element? { state.withLock { Self.take(&$0) } }

    private static func take(_ state: inout State) -> Element? {
        guard state.head < state.items.count else { return nil }
        let element = state.items[state.head]
        state.head += 1
        if state.head == state.items.count {
            state.items.removeAll(keepingCapacity: true)
            state.head = 0
        }
        return element
    }
}
#endif
