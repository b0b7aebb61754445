import Foundation
@testable import ParallelKitRun
import ParallelKitTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `ResultChannel`: a stream's bound (`maxBuffered`). The runner starts no job while the results
/// waiting and the jobs not yet delivered fill it, the reader's take wakes the runner, and a
/// reader that falls behind never finds more than `maxBuffered` results waiting.
@Suite("ResultChannel", .serialized)
struct ResultChannelTests {
    private static func result(_ sequence: Int) -> ResultChannel.Event {
        .result(JobResult(
            arguments: [], command: "", sequence: sequence, slot: 1, status: .exited(0), timedOut: false,
            startTime: 0, runtime: .zero, attempts: 1, standardOutput: [], standardError: [],
            outputByteCount: 0, errorByteCount: 0, isTruncated: false))
    }

    @Test("admits counts waiting results and undelivered jobs; the take that makes room wakes the runner once")
    func admission() {
        let wakes = Mutex(0)
        let channel = ResultChannel(limit: 2) { wakes.withLock { $0 += 1 } }
        #expect(channel.admits(undelivered: 0))
        #expect(channel.admits(undelivered: 1))
        #expect(!channel.admits(undelivered: 2))
        channel.push(Self.result(1))
        channel.push(Self.result(2))
        #expect(!channel.admits(undelivered: 0))
        guard case .event = channel.take() else { Issue.record("no event"); return }
        #expect(wakes.withLock { $0 } == 1)
        // No refusal since: taking again wakes nobody.
        #expect(channel.admits(undelivered: 0))
        guard case .event = channel.take() else { Issue.record("no event"); return }
        #expect(wakes.withLock { $0 } == 1)
        #expect(channel.highWaterMark == 2)
        // Unbounded (map): everything is admitted.
        #expect(ResultChannel().admits(undelivered: 1 << 40))
    }

    @Test("A waiting reader is woken once wakeBatch results wait, at once by a failure, and by the end")
    func wakeBatch() async {
        let channel = ResultChannel(wakeBatch: 3)
        func waitingReader() async -> Task<Void, Never> {
            let reader = Task { await channel.wait() }
            #expect(await offCooperativePool { waitUntil(within: 120) { channel.hasWaiter } })
            return reader
        }
        var reader = await waitingReader()
        channel.push(Self.result(1))
        channel.push(Self.result(2))
        #expect(channel.readerWakes == 0 && channel.hasWaiter, "two results wait: not yet a batch")
        channel.push(Self.result(3))
        await reader.value
        #expect(channel.readerWakes == 1)
        for _ in 1...3 { guard case .event(.result) = channel.take() else { Issue.record("no result"); return } }

        reader = await waitingReader()
        channel.push(.failure(RunError(.programNotFound, message: "no such program")))
        await reader.value
        #expect(channel.readerWakes == 2, "a failure wakes the reader alone")
        guard case .event(.failure) = channel.take() else { Issue.record("no failure"); return }

        reader = await waitingReader()
        channel.push(Self.result(4))
        channel.end()
        await reader.value
        guard case .event(.result(let last)) = channel.take(), case .ended = channel.take() else {
            Issue.record("the last result, then the end"); return
        }
        #expect(last.sequence == 4)
        #expect(channel.readerWakes == 2, "the end woke it, not the push")
        // A bounded stream's batch never exceeds its bound (its runner waits for the reader there).
        #expect(ResultChannel(limit: 2, wakeBatch: 64).wakeBatch == 2)
    }

    @Test("map's reader takes results in batches: 200 jobs wake it at most 3 times, and every result comes in order")
    func mapBatches() async throws {
        let plan = RunPlan(RunConfiguration(workers: .count(2)), jobs: Array(repeating: [Array("true".utf8)], count: 200),
            template: nil, ordered: true, maxBuffered: nil)
        #expect(plan.readerWakeBatch == 64)
        var iterator = JobResults(plan: plan).makeAsyncIterator()
        var sequences: [Int] = []
        while let result = try await iterator.next() {
            #expect(result.status == .exited(0))
            sequences.append(result.sequence)
        }
        #expect(sequences == Array(1...200))
        #expect(iterator.channel.readerWakes <= 3)
        #expect(iterator.channel.hasEnded)
    }

    @Test("a taken result is let go at once, not kept until the buffer is compacted")
    func takenResultsFreed() {
        let channel = ResultChannel()
        for sequence in 1...5 { channel.push(Self.result(sequence)) }
        #expect(channel.heldEvents == 5)
        for _ in 1...3 {
            guard case .event = channel.take() else { Issue.record("no event"); return }
        }
        #expect(channel.heldEvents == 2, "only the two not yet taken")
    }

    @Test("10,000 jobs of 1 KiB read slowly: never more than maxBuffered results wait, in input order")
    func boundedStream() async throws {
        let bound = 4
        let runner = CommandRunner(RunConfiguration(workers: .count(2)))
        let jobs = Array(repeating: ["head", "-c", "1024", "/dev/zero"], count: 10_000)
        var iterator = runner.stream(arguments: jobs, maxBuffered: bound).makeAsyncIterator()
        let channel = iterator.channel
        var sequences: [Int] = []
        var wrong = 0
        while let result = try await iterator.next() {
            sequences.append(result.sequence)
            if result.standardOutput != [UInt8](repeating: 0, count: 1024) || !result.isSuccess { wrong += 1 }
            if result.sequence == 1 || result.sequence == 5_000 {
                // The reader falls behind: the runner fills the bound, then starts nothing more
                // while the jobs it has finish (generous: only "it got there, it did not hang").
                let filled = await offCooperativePool { waitUntil(within: 120) { channel.highWaterMark >= bound } }
                #expect(filled)
                _ = await offCooperativePool { usleep(300_000) }
            }
        }
        #expect(sequences == Array(1...10_000))
        #expect(wrong == 0)
        #expect(channel.highWaterMark == bound)
        #expect(channel.hasEnded)
    }

    @Test("A bound of 1 below the worker count still runs every job, one ahead at a time")
    func boundOfOne() async throws {
        let runner = CommandRunner(RunConfiguration(workers: .count(3)))
        var iterator = runner.streamUnordered(arguments: (1...20).map { ["echo", "\($0)"] }, maxBuffered: 1).makeAsyncIterator()
        let channel = iterator.channel
        var texts: [String] = []
        while let result = try await iterator.next() { texts.append(result.text) }
        // One job started and not read at a time: completion order is input order.
        #expect(texts == (1...20).map { "\($0)\n" })
        #expect(channel.highWaterMark == 1)
    }

    @Test("Dropping the iterator while the runner waits for room ends the run")
    func droppedWhileFull() async throws {
        let runner = CommandRunner(RunConfiguration(workers: .count(2)))
        let jobs = Array(repeating: ["true"], count: 1_000)
        var iterator: JobResults.AsyncIterator? = runner.stream(arguments: jobs, maxBuffered: 2).makeAsyncIterator()
        let channel = iterator!.channel
        let first = try await iterator!.next()
        #expect(first?.sequence == 1)
        let filled = await offCooperativePool { waitUntil(within: 120) { channel.highWaterMark >= 2 } }
        #expect(filled)
        iterator = nil
        let ended = await offCooperativePool { waitUntil(within: 120) { channel.hasEnded } }
        #expect(ended)
    }
}
