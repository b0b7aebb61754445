import ParallelKitSystem

/// Jobs that run on other machines (``RunHost/remote``): an attempt is handed over whole and
/// comes back whole — status, output, times, host — and from then on is a job like any other,
/// so printing, `-k`, the joblog, `--halt` and the exit status are the machine's as here.
extension RunScheduler {
    /// Hands the attempt the machine has just begun to `remote`.
    func launchRemote(_ job: Job, on remote: any RemoteJobs, command: JobCommand, environment: [Bytes]) {
        let handle = nextRemoteHandle
        nextRemoteHandle += 1
        var words: [Bytes] = []
        var shellText: Bytes
        switch command {
        case .exec(_, let arguments):
            // The program is looked up again where the job runs, in that machine's PATH.
            words = arguments
            shellText = output.shownCommand(job)
        case .shell(let text): shellText = text
        case .unrunnable(let name): shellText = name
        }
        var input: Bytes?
        switch job.spec.input {
        case .bytes(let bytes): input = bytes
        case .range(let file, let offset, let length):
            var block = Bytes(repeating: 0, count: length)
            var done = 0
            while done < length {
                let got = block.withUnsafeMutableBytes { raw in
                    (try? systemCall("pread") {
                        pread(file.fd, raw.baseAddress! + done, length - done, off_t(offset + done))
                    }) ?? 0
                }
                if got <= 0 { break }
                done += got
            }
            block.removeLast(length - done)
            input = block
        case nil: input = nil
        }
        job.startWall = MonotonicClock.wallSeconds()
        job.startTime = MonotonicClock.nanoseconds()
        remoteAttempts[handle] = job
        remote.start(
            RemoteJob(handle: handle, words: words, shellText: shellText, environment: environment, input: input))
        machine.started(job.id, group: handle, at: job.startTime)
        if machine.attemptNumber(of: job.id) == 1 { progress?.report(.started(1)) }
    }

    /// Takes what the remote processes answered: finished attempts end here as a local job ends
    /// (its output arrives, it exits, its pipes close), and gone groups end their `--termseq`.
    func receiveRemoteEvents() {
        guard let remote = host.remote else { return }
        let now = MonotonicClock.nanoseconds()
        for event in remote.takeEvents() {
            switch event {
            case .groupEnded(let handle):
                machine.groupEnded(handle)
            case .finished(let result, let host):
                guard let job = remoteAttempts.removeValue(forKey: result.handle) else { continue }
                if let message = result.message { writer.message(message) }
                job.host = host
                if !job.discard {
                    for (stream, bytes) in [result.output, result.error].enumerated() where !bytes.isEmpty {
                        bytes.withUnsafeBytes { output.received($0, from: job, stream: stream) }
                    }
                }
                job.startWall = result.startWall
                job.endTime = job.startTime &+ result.runtimeNanoseconds
                job.status = result.status
                machine.exited(job.id, result.status, groupAlive: result.groupAlive, at: now)
                machine.outputClosed(job.id)
            }
        }
    }
}
