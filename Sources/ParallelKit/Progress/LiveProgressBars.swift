import ParallelKitSystem
import Synchronization

/// The process's drawing bars, so that nested and concurrent ones do not garble each other's
/// line: on each descriptor only the newest live bar (the innermost) draws its frames; when it
/// finishes, the one started before it draws again.
///
/// It also holds each descriptor's *pen*: the right to write a line there, taken by one bar at a
/// time without waiting. A work thread that wins a bar's throttle but finds the pen taken (another bar or
/// thread is writing) skips that frame rather than block on someone else's `write(2)`; only a
/// bar's final line (``ProgressBar/finish(failed:erasingLine:)``, called by the caller, not
/// from work) waits for the pen, for at most one frame's write.
///
/// The lock is held to look at the list, never while writing.
enum LiveProgressBars {
    private struct State {
        /// Drawing bars in the order they started: ticket and descriptor.
        var bars: [(ticket: Int, output: Int32)] = []
        var nextTicket = 1
        /// The descriptors some bar is writing to.
        var writing: [Int32] = []
    }

    private static let state = Mutex(State())

    /// Adds a bar that draws on `output`; it becomes the one that draws there.
    static func register(output: Int32) -> Int {
        state.withLock { state in
            defer { state.nextTicket += 1 }
            state.bars.append((state.nextTicket, output))
            return state.nextTicket
        }
    }

    /// Removes a finished bar: the bar before it on its descriptor draws again.
    static func unregister(_ ticket: Int) {
        state.withLock { state in state.bars.removeAll { $0.ticket == ticket } }
    }

    /// Takes the pen for `ticket`, a bar drawing on `output`: at once when no one is writing
    /// (and, with `newestOnly`, when it is the newest bar there), else false — or, with `wait`,
    /// after yielding until the writer is done.
    static func takePen(_ ticket: Int, output: Int32, newestOnly: Bool, wait: Bool) -> Bool {
        while true {
            let taken = state.withLock { state -> Bool? in
                if newestOnly, state.bars.last(where: { $0.output == output })?.ticket != ticket { return false }
                if state.writing.contains(output) { return nil }
                state.writing.append(output)
                return true
            }
            if let taken { return taken }
            if !wait { return false }
            sched_yield()
        }
    }

    static func releasePen(output: Int32) {
        state.withLock { state in state.writing.removeAll { $0 == output } }
    }

}
