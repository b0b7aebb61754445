import Foundation
import ParallelKitRun
import ParallelKitSystem
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

    @Test("The runner's thread does not block SIGCHLD: the kernel drops each job's exit signal instead of waking another thread")
    func runnerThreadTakesChildSignals() async throws {
        let sleep = "1000.\(Int.random(in: 100_000...999_999))"
        let runner = CommandRunner(RunConfiguration(workers: .count(2)))
        var unblocked = false
        for try await result in runner.streamUnordered(arguments: [["echo", "first"], ["sleep", sleep]]) {
            #expect(result.text == "first\n")
            // Every pk-run thread (other suites' runs too; one just started may not have got to
            // its first line yet: generous, only "it gets there").
            unblocked = await offCooperativePool {
                waitUntil(within: 60) {
                    let masks = Self.runnerThreadMasks()
                    return !masks.isEmpty && masks.allSatisfy { $0 & (1 << UInt64(SIGCHLD - 1)) == 0 }
                }
            }
            break
        }
        #expect(unblocked, "a pk-run thread is running, and none blocks SIGCHLD")
        let gone = await offCooperativePool { waitUntil(within: 60) { processes(withCommandLineContaining: sleep).isEmpty } }
        #expect(gone)
    }

    /// The blocked-signal masks (`SigBlk`) of this process's `pk-run` threads.
    private static func runnerThreadMasks() -> [UInt64] {
        guard let directory = opendir("/proc/self/task") else { return [] }
        defer { closedir(directory) }
        var masks: [UInt64] = []
        while let entry = readdir(directory) {
            let tid = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard tid.first?.isNumber == true, SmallFile.text("/proc/self/task/\(tid)/comm")?.hasPrefix("pk-run") == true,
                let status = SmallFile.text("/proc/self/task/\(tid)/status"), let mask = statusMask("SigBlk", in: status)
            else { continue }
            masks.append(mask)
        }
        return masks
    }
}
