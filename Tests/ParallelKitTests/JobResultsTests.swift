import Foundation
import ParallelKitRun
import ParallelKitTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `JobResults`: cancelling the consuming task, or dropping the iterator, ends every running
/// job's process group through the teardown sequence.
@Suite("JobResults", .serialized)
struct JobResultsTests {
    /// Jobs that each leave a second process in their group (`sleep &`), all named by `marker`
    /// (the shell's `$0`) or by a sleep of a length no other test uses.
    private static func groupJobs(_ marker: String, sleep: String, count: Int) -> [[String]] {
        (0..<count).map { _ in ["sh", "-c", "sleep \(sleep) & sleep \(sleep); wait", marker] }
    }

    @Test("Cancelling the consuming task mid-run leaves no process of any job's group")
    func cancellation() async throws {
        let marker = "pk-cancel-\(UUID().uuidString.prefix(8))"
        let sleep = "1000.\(Int.random(in: 100_000...999_999))"
        let runner = CommandRunner(RunConfiguration(workers: .count(3)))
        let consumer = Task {
            var seen = 0
            for try await _ in runner.stream(arguments: Self.groupJobs(marker, sleep: sleep, count: 8)) { seen += 1 }
            return seen
        }
        // Three jobs, each a shell and two sleeps, are running. Generous: in a full run the
        // consuming task itself can start late.
        let started = await offCooperativePool {
            waitUntil(within: 600) { processes(withCommandLineContaining: sleep).count >= 6 }
        }
        #expect(started)
        consumer.cancel()
        let seen = try await consumer.value
        #expect(seen == 0)
        // The sequence ended only once every group was gone.
        #expect(processes(withCommandLineContaining: marker).isEmpty)
        #expect(processes(withCommandLineContaining: sleep).isEmpty)
    }

    @Test("map in a cancelled task throws .cancelled after ending every job's group")
    func mapCancelled() async throws {
        let marker = "pk-cancel-map-\(UUID().uuidString.prefix(8))"
        let sleep = "1000.\(Int.random(in: 100_000...999_999))"
        let runner = CommandRunner(RunConfiguration(workers: .count(2)))
        let consumer = Task { () throws -> [JobResult] in
            try await runner.map(arguments: Self.groupJobs(marker, sleep: sleep, count: 4))
        }
        let started = await offCooperativePool {
            waitUntil(within: 600) { processes(withCommandLineContaining: sleep).count >= 4 }
        }
        #expect(started)
        consumer.cancel()
        let result = await consumer.result
        #expect(throws: RunError.self) { try result.get() }
        if case .failure(let error) = result { #expect((error as? RunError)?.code == .cancelled) }
        #expect(processes(withCommandLineContaining: marker).isEmpty)
        #expect(processes(withCommandLineContaining: sleep).isEmpty)
    }

    @Test("Dropping the iterator ends the running jobs")
    func droppedIterator() async throws {
        let marker = "pk-drop-\(UUID().uuidString.prefix(8))"
        let sleep = "1000.\(Int.random(in: 100_000...999_999))"
        let runner = CommandRunner(RunConfiguration(workers: .count(2)))
        var jobs = Self.groupJobs(marker, sleep: sleep, count: 3)
        jobs.insert(["echo", "first"], at: 0)
        for try await result in runner.streamUnordered(arguments: jobs) {
            #expect(result.text == "first\n")
            break
        }
        let gone = await offCooperativePool {
            waitUntil(within: 60) {
                processes(withCommandLineContaining: marker).isEmpty && processes(withCommandLineContaining: sleep).isEmpty
            }
        }
        #expect(gone)
    }
}
