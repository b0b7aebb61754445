import ParallelKitSystem

/// The machine's transitions: what its events and ticks do to a job (attempts, retries,
/// `--halt`, `--termseq`, print order). Called only by the machine itself.
extension RunStateMachine {
    /// The one place an attempt starts: a slot, and every attempt field afresh.
    mutating func beginAttempt(_ id: JobID) {
        jobs[id].attempt = Attempt()
        jobs[id].slot = slots.take()
        running.append(id)
    }

    mutating func fireDeadlines(_ id: JobID, _ now: UInt64, _ actions: inout [Action]) {
        if jobs[id].attempt.status == nil, let deadline = jobs[id].attempt.deadline, deadline <= now {
            jobs[id].attempt.deadline = nil  // fired: the loop now waits for the teardown's steps
            jobs[id].attempt.killedByRunner = true
            jobs[id].attempt.teardown = TeardownStep(index: 0, due: now)
            actions.append(.timedOut(id))
        }
        if let step = jobs[id].attempt.teardown, step.due <= now {
            jobs[id].attempt.teardown = teardownStep(group: jobs[id].attempt.group, step, now, &actions)
        }
        if let drain = jobs[id].attempt.drainDeadline, drain <= now, jobs[id].attempt.teardown == nil {
            // Something outside the job's process group holds its pipes: stop waiting.
            jobs[id].attempt.drainDeadline = nil
            actions.append(.drainOutput(id))
        }
    }

    /// Takes `step` of `--termseq` against `group`; the step after it, or `nil` when there is no
    /// group to signal (the attempt never started).
    func teardownStep(group: Int32, _ step: TeardownStep, _ now: UInt64, _ actions: inout [Action])
        -> TeardownStep?
    {
        guard group > 0 else { return nil }  // kill(-0, …) would signal the runner's own group
        let steps = configuration.teardown.steps
        let current = steps[min(step.index, steps.count - 1)]
        if let signal = current.signal { actions.append(.signal(group: group, signal: signal)) }
        let wait = max(MonotonicClock.nanoseconds(current.allowed), 1_000_000)
        return TeardownStep(index: step.index + 1, due: now &+ wait)
    }

    mutating func finish(_ id: JobID, _ now: UInt64, _ actions: inout [Action]) {
        slots.release(jobs[id].slot)
        if jobs[id].discard {
            actions.append(.forget(id))
            release(id)
            return
        }
        let attempt = jobs[id].attempt
        let status = attempt.status ?? .exited(-1)
        let failed = !status.isSuccess || attempt.killedByRunner
        if failed, jobs[id].attemptNumber < configuration.retries, !stopStarting {
            jobs[id].attemptNumber += 1
            let delay = configuration.retryDelay * Double(1 << min(jobs[id].attemptNumber - 2, 30))
            let ready = now &+ UInt64(delay * 1e9)
            retryQueue.append((ready, id))
            actions.append(.retry(id, at: ready))
            return
        }
        if failed { tally.failed += 1 } else { tally.succeeded += 1 }
        if !failed, case .percentOfMedian = configuration.timeout {
            successfulRuntimes.add(Double(attempt.end &- attempt.start) / 1e9)
        }
        actions.append(.finished(id, failed: failed))
        checkHalt(id, failed: failed, status: status, now, &actions)
        if configuration.keepOrder {
            waitingToPrint[jobs[id].printIndex] = id
            flushWaitingOutput(&actions)
        } else {
            emit(id, &actions)
        }
    }

    mutating func checkHalt(
        _ id: JobID, failed: Bool, status: TerminationStatus, _ now: UInt64, _ actions: inout [Action]
    ) {
        let policy = configuration.halt
        guard policy.when != .never else { return }
        if let word = policy.describes(failed: failed) { jobs[id].note = HaltNote(outcome: word) }
        guard haltStatus == nil, policy.isReached(by: tally, total: inputTotal) else { return }
        haltStatus = policy.exitStatus(tally: tally, total: inputTotal, triggeringStatus: status.shellStatus)
        stopStarting = true
        if policy.when == .now {
            for other in running { endJob(other, signal: nil, now, &actions) }
        } else if !running.isEmpty {
            jobs[id].note = HaltNote(outcome: jobs[id].note?.outcome, stillRunning: running.count)
        }
        cancelRetries(&actions)
    }

    /// The runner was asked to stop: every job's group gets the signal, then `--termseq`.
    mutating func stopEverything(signal: Int32?, _ now: UInt64, _ actions: inout [Action]) {
        stopStarting = true
        cancelRetries(&actions)
        for id in running { endJob(id, signal: signal, now, &actions) }
    }

    /// Ends a running job: its output is dropped and its process group gets `--termseq`
    /// (starting with `signal` when given).
    mutating func endJob(_ id: JobID, signal: Int32?, _ now: UInt64, _ actions: inout [Action]) {
        jobs[id].discard = true
        jobs[id].attempt.killedByRunner = true
        actions.append(.discard(id))
        guard jobs[id].attempt.status == nil || jobs[id].attempt.teardown == nil else { return }
        let group = jobs[id].attempt.group
        if let signal, group > 0 { actions.append(.signal(group: group, signal: signal)) }
        jobs[id].attempt.teardown = TeardownStep(index: 0, due: now)
    }

    mutating func cancelRetries(_ actions: inout [Action]) {
        for entry in retryQueue {
            actions.append(.forget(entry.job))
            release(entry.job)
        }
        retryQueue.removeAll(keepingCapacity: true)
    }

    /// Prints the jobs waiting their turn (`-k`), in order, as far as they are complete.
    mutating func flushWaitingOutput(_ actions: inout [Action]) {
        while let id = waitingToPrint.removeValue(forKey: nextPrintIndex) { emit(id, &actions) }
    }

    mutating func emit(_ id: JobID, _ actions: inout [Action]) {
        actions.append(.print(id, killed: jobs[id].attempt.killedByRunner, note: jobs[id].note))
        let printIndex = jobs[id].printIndex
        release(id)
        guard printIndex == nextPrintIndex else { return }
        // The `-k` turn moves on; with `--line-buffer` the new head job starts printing live.
        nextPrintIndex += 1
        guard configuration.lineBuffered, configuration.keepOrder,
            let head = running.first(where: { jobs[$0].printIndex == nextPrintIndex })
        else { return }
        actions.append(.printLive(head))
    }

    mutating func release(_ id: JobID) {
        jobs[id].note = nil
        freeIDs.append(id)
    }

    mutating func timeoutNanoseconds() -> UInt64? {
        switch configuration.timeout {
        case .none: return nil
        case .seconds(let seconds): return UInt64(seconds * 1e9)
        case .percentOfMedian(let percent):
            guard let median = successfulRuntimes.median() else { return nil }
            return UInt64(median * percent / 100 * 1e9)
        }
    }
}
