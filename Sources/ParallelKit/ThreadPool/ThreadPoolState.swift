import DequeModule

/// One unit of work queued on a ``ThreadPool``.
@usableFromInline
struct PoolItem: Sendable {
    /// Called once: with `true` to run the work on a pool thread, or with `false` when
    /// ``ThreadPool/terminate()`` drops it (one closure, so queuing allocates once).
    @usableFromInline let body: @Sendable (_ run: Bool) -> Void
    /// Whether `terminate()` may drop it; `false` for work that must run anyway (a Swift
    /// task's job: dropping it would hang that task forever).
    @usableFromInline let droppable: Bool

    @inlinable
    init(body: @escaping @Sendable (_ run: Bool) -> Void, droppable: Bool) {
        self.body = body
        self.droppable = droppable
    }

    func run() { body(true) }
    func drop() { body(false) }
}

/// The pool's state machine: what to do on submit, on a thread asking for work, on close and
/// terminate (a shutdown that keeps or drops the queue).
///
/// Pure: it starts no thread and takes no lock, so every transition is testable directly.
/// `ThreadPool` holds it under its lock and carries out the returned actions.
struct ThreadPoolState<Item> {
    enum Phase: Equatable {
        /// Accepting work.
        case running
        /// Refusing new work; threads finish the queue and exit.
        case shuttingDown
    }

    enum SubmitAction {
        /// Queued; wake one parked thread.
        case wakeThread
        /// Queued; every thread is busy and will find it.
        case queued
        /// Refused: the pool is shutting down.
        case rejected(Item)
    }

    enum NextAction {
        case run(Item)
        /// Nothing to do: sleep until woken.
        case park
        /// Shut down and the queue is empty: the thread ends.
        case exit
    }

    private(set) var phase = Phase.running
    private var queue = Deque<Item>()
    private var parked = 0

    /// Items waiting for a thread.
    var queuedCount: Int { queue.count }

    mutating func submit(_ item: Item) -> SubmitAction {
        guard phase == .running else { return .rejected(item) }
        queue.append(item)
        return parked > 0 ? .wakeThread : .queued
    }

    /// Takes the next item without parking when there is none.
    mutating func take() -> Item? { queue.popFirst() }

    /// A thread asks for work. `.park` counts it as parked until ``unpark()``.
    mutating func next() -> NextAction {
        if let item = queue.popFirst() { return .run(item) }
        if phase == .shuttingDown { return .exit }
        parked += 1
        return .park
    }

    /// A parked thread woke up.
    mutating func unpark() { parked -= 1 }

    /// Stops accepting work. With `cancelPending`, returns the queued items that `keep` refuses,
    /// taken out of the queue so they never run; the caller wakes every thread.
    mutating func shutdown(cancelPending: Bool, keep: (Item) -> Bool) -> [Item] {
        phase = .shuttingDown
        guard cancelPending else { return [] }
        var kept = Deque<Item>()
        var dropped: [Item] = []
        while let item = queue.popFirst() {
            if keep(item) { kept.append(item) } else { dropped.append(item) }
        }
        queue = kept
        return dropped
    }
}
