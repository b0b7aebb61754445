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
