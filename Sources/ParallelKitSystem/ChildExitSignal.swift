/// SIGCHLD on the thread that starts children: unblocked, so that the kernel can drop it.
///
/// Every child's exit sends SIGCHLD to the thread that started it (exec makes it the child's exit
/// signal, whatever `clone` said). With the default disposition the kernel discards it at once —
/// unless that thread blocks it: then it is queued for the process and wakes a thread that does
/// not block it, only for that thread to discard it. A thread started from Swift's cooperative
/// pool blocks every signal, and Swift's main thread under `async main` waits in `sigsuspend`
/// with none blocked, so a library's runner thread that kept its mask woke the main thread once
/// per job: one context switch and ~15–20 µs of CPU per job (2,000 × `true`: 1,900 wakes).
///
/// ```swift
/// OSThread.start(name: "pk-run", joinable: false) {
///     ChildExitSignal.unblockOnThisThread()
///     // start and reap children here (pidfds say when they end)
/// }
/// ```
///
/// A host that installed a SIGCHLD handler may then have it run on this thread (its system calls
/// see `EINTR`, which ``systemCall(_:_:)`` retries); one that ignores SIGCHLD is unaffected.
package enum ChildExitSignal {
    /// Unblocks SIGCHLD on the calling thread only (no other thread's mask, no disposition).
    package static func unblockOnThisThread() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGCHLD)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }
}
