import CParallelKit
import ParallelKitSystem

/// Starting an operating-system thread that runs a Swift closure.
package enum OSThread {
    /// Starts a thread named `name` (Linux keeps the first 15 bytes) running `body`.
    ///
    /// - Parameter joinable: `false` detaches the thread; `true` leaves it to be joined with
    ///   `pthread_join` (or detached later).
    /// - Returns: the thread's handle.
    @discardableResult
    package static func start(name: String, joinable: Bool, _ body: @escaping @Sendable () -> Void) -> pthread_t {
        let context = Unmanaged.passRetained(ThreadStart(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { context in
            let start = Unmanaged<ThreadStart>.fromOpaque(context!).takeRetainedValue()
            // Named here too: until the creator's call below lands, a new thread carries its
            // creator's name.
            pk_set_thread_name(pthread_self(), start.name)
            start.body()
            return nil
        }, context)
        precondition(status == 0, "ParallelKit: pthread_create failed with error \(status)")
        // Named by the creator as well, so the name is in place before `start` returns.
        pk_set_thread_name(thread, name)
        if !joinable { pthread_detach(thread) }
        return thread
    }

    /// The name of the calling thread, as the kernel reports it.
    static var currentName: String {
        var buffer = [CChar](repeating: 0, count: 32)
        _ = pk_current_thread_name(&buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// What a new thread needs, passed through `pthread_create`'s context pointer.
private final class ThreadStart: Sendable {
    let name: String
    let body: @Sendable () -> Void

    init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }
}
