import ParallelKitSystem

/// The calling-thread path: `apply` and small maps sent by the caller itself.
extension WorkerPoolDriver {
    /// How long a caller polls for the answers of the batches it sent before it hands the wait
    /// to a thread.
    static var callingThreadSpinMicroseconds: Double { 200 }

    /// The outcome of ``runOnCallingThread(_:)``: each job's outputs, in the jobs' order.
    enum DirectRun {
        /// The workers answered while the caller polled.
        case finished([[UInt8]])
        /// The answers are awaited on a thread of its own; the future holds them.
        case handedOver(Future<[[UInt8]], BackendError>)
    }

    /// A job the caller sent that has not answered yet.
    private struct SentJob {
        let index: Int
        let lease: State.Lease
        let id: UInt64
    }

    /// A job whose worker failed before answering; ``settle(_:of:on:attemptsLeft:)`` decides.
    private struct FailedJob {
        let index: Int
        let lease: State.Lease
        let failure: BatchRunFailure
    }

    /// Runs `jobs` from the calling thread when as many workers are idle now: sends one job to
    /// each and polls for the answers for ``callingThreadSpinMicroseconds``, then hands the wait
    /// to one thread. `nil` when too few workers are idle or the pool is closing (the caller
    /// then queues the jobs). A batch that throws fails the run, by the first such answer, once
    /// every job has ended.
    ///
    /// Why: a round trip through a dispatcher thread costs two thread hand-offs on top of the
    /// worker's, and on 2 cores the caller, the dispatcher and the worker compete for them
    /// (measured: 28–41 µs per `apply` of a no-op against 11–15 µs driven from the caller; and
    /// for a map of two 1.8 ms tasks, the second dispatcher was often left queued behind the
    /// first worker, so the halves ran one after the other).
    func runOnCallingThread(_ jobs: [BatchJob]) throws(BackendError) -> DirectRun? {
        guard let leases = try checkOutIdle(jobs.count) else { return nil }
        var handedOver = false
        defer { if !handedOver { endDirectRun() } }
        // A worker that fails while asked whether it serves its job is settled as one that
        // failed to take it.
        var unasked: [Int: BatchRunFailure] = [:]
        for (index, (lease, job)) in zip(leases, jobs).enumerated() {
            let serves: Bool
            do throws(BatchRunFailure) {
                serves = try lease.worker.serves(job)
            } catch {
                unasked[index] = error
                continue
            }
            if !serves {
                for lease in leases { checkIn(lease, ranBatch: false) }
                throw Self.refusal(of: job, by: lease.worker)
            }
        }
        let started = host.nanoseconds()
        var outputs = [[UInt8]?](repeating: nil, count: jobs.count)
        var firstError: BackendError?
        var sent: [SentJob] = []
        var failed: [FailedJob] = []
        for (index, (lease, job)) in zip(leases, jobs).enumerated() {
            if let failure = unasked[index] {
                failed.append(FailedJob(index: index, lease: lease, failure: failure))
                continue
            }
            do throws(BatchRunFailure) {
                sent.append(SentJob(index: index, lease: lease, id: try lease.worker.send(task: job.task, payload: job.payload)))
            } catch {
                failed.append(FailedJob(index: index, lease: lease, failure: error))
            }
        }
        // With several workers woken, yield between polls: on 2 cores one of them waits for the
        // caller's CPU.
        let yielding = jobs.count > 1
        let end = Ticks.now() &+ Ticks.fromMicroseconds(Self.callingThreadSpinMicroseconds)
        while !sent.isEmpty {
            sent.removeAll { job in
                do throws(BatchRunFailure) {
                    guard let answer = try job.lease.worker.answerIfReady(to: job.id, spinningMicroseconds: 0) else { return false }
                    outputs[job.index] = answer
                    checkIn(job.lease, ranBatch: true)
                } catch {
                    if case .batch(let failure) = error {
                        checkIn(job.lease, ranBatch: true)
                        firstError = firstError ?? State.error(for: failure, tasks: jobs[job.index].range)
                    } else {
                        failed.append(FailedJob(index: job.index, lease: job.lease, failure: error))
                    }
                }
                return true
            }
            if sent.isEmpty || Ticks.now() >= end { break }
            if yielding { sched_yield() }
        }
        if sent.isEmpty && failed.isEmpty {
            if let firstError { throw firstError }
            return .finished(outputs.map { $0! })
        }
        // Failed workers are settled, and slow answers awaited, away from the caller's thread.
        handedOver = true
        return .handedOver(finishElsewhere { [self, sent, failed, outputs, firstError] () throws(BackendError) -> [[UInt8]] in
            var outputs = outputs
            var firstError = firstError
            for job in failed {
                do throws(BackendError) {
                    var attemptsLeft = retries
                    try settle(job.failure, of: jobs[job.index], on: job.lease, attemptsLeft: &attemptsLeft)
                    outputs[job.index] = try run(jobs[job.index], attemptsLeft: attemptsLeft)
                } catch {
                    firstError = firstError ?? error
                }
            }
            for job in sent {
                do throws(BackendError) {
                    var attemptsLeft = retries
                    let timeout = State.remainingTimeout(of: taskTimeout, elapsed: host.nanoseconds() &- started)
                    if let answer = try awaitAnswer(job.id, of: jobs[job.index], on: job.lease, timeout: timeout, attemptsLeft: &attemptsLeft) {
                        outputs[job.index] = answer
                    } else {
                        outputs[job.index] = try run(jobs[job.index], attemptsLeft: attemptsLeft)
                    }
                } catch {
                    firstError = firstError ?? error
                }
            }
            if let firstError { throw firstError }
            return outputs.map { $0! }
        })
    }

    /// `count` idle, running workers for the caller alone, or `nil` (taking none) when fewer are
    /// idle now or the pool is closing. A direct run is counted from here to ``endDirectRun()``.
    private func checkOutIdle(_ count: Int) throws(BackendError) -> [State.Lease]? {
        while true {
            switch lock.withLock({ state.checkOutIdle(count) }) {
            case .queue:
                return nil
            case .refuse(let error):
                throw error
            case .use(let leases):
                guard let firstDead = leases.firstIndex(where: { !$0.worker.isRunning() }) else { return leases }
                // Some died while idle (killed, OOM): they leave, the others go back, and the
                // run asks again (a replacement starts on the queued path).
                var dead: Set<Int> = [firstDead]
                for index in leases.indices[(firstDead + 1)...] where !leases[index].worker.isRunning() { dead.insert(index) }
                var retired: [Worker] = []
                lock.withLock {
                    for (index, lease) in leases.enumerated().reversed() {
                        if dead.contains(index) {
                            state.foundDead(lease, exit: lease.worker.reap())
                        } else if case .retire(let worker) = state.checkIn(lease, ranBatch: false) {
                            retired.append(worker)
                        }
                    }
                    state.endDirectRun()
                    lock.broadcast()
                }
                for worker in retired { worker.stop(grace: .seconds(1)) }
            }
        }
    }

    func endDirectRun() {
        lock.withLock {
            state.endDirectRun()
            lock.broadcast()
        }
    }

    /// Runs `finish` on a thread of its own and returns its future. At most one such thread
    /// per worker exists at a time: each holds at least one lent worker.
    private func finishElsewhere(
        _ finish: @escaping @Sendable () throws(BackendError) -> [[UInt8]]
    ) -> Future<[[UInt8]], BackendError> {
        let future = Future<[[UInt8]], BackendError>()
        OSThread.start(name: "pk-pool-wait", joinable: false) { [self] in
            do throws(BackendError) {
                future.finish(.success(try finish()))
            } catch {
                future.finish(.failure(.failed(error)))
            }
            endDirectRun()
        }
        return future
    }
}
