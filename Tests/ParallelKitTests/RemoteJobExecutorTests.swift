import Foundation
import ParallelKitTestSupport
import Testing

@testable import ParallelKitCLI
@testable import ParallelKitRun

// RemoteJobExecutor.swift, and the scheduler's side of RemoteJobs (RunScheduler+Remote.swift)
// without MPI: a loopback that runs the handed-over jobs in this process, so what `--mpi` relies
// on is tested wherever the suite runs.

/// `RemoteJobs` that runs every job here through a `RemoteJobExecutor`; its wake descriptor is
/// `/dev/null`, always readable, so the scheduler asks it on every turn.
private final class LoopbackRemoteJobs: RemoteJobs {
    let executor = RemoteJobExecutor(environment: ["PARALLELKIT_RANK": "7"])
    let wakeDescriptor = open("/dev/null", O_RDONLY | O_CLOEXEC)
    private var pending: [RemoteJobEvent] = []
    private(set) var signalled: [Int32] = []

    deinit { close(wakeDescriptor) }

    func start(_ job: RemoteJob) { executor.start(job) }

    func signal(_ handle: Int32, _ signal: Int32) {
        signalled.append(signal)
        if !executor.signal(handle, signal) { pending.append(.groupEnded(handle)) }
    }

    func takeEvents() -> [RemoteJobEvent] {
        let finished = executor.collect(waitingMilliseconds: 1).map {
            RemoteJobEvent.finished($0, host: Array("loop".utf8))
        }
        defer { pending = [] }
        return pending + finished
    }
}

/// Runs the jobs to their answers (30 s at most), by handle.
private func collectAll(_ executor: RemoteJobExecutor, expecting count: Int) -> [Int32: RemoteJobResult] {
    var results: [Int32: RemoteJobResult] = [:]
    let deadline = Date().addingTimeInterval(30)
    while results.count < count, Date() < deadline {
        for result in executor.collect(waitingMilliseconds: 10) { results[result.handle] = result }
    }
    return results
}

/// Runs `arguments` as `parallelkit run` would (its options), here or through `remote`.
private func runEngine(_ arguments: [String], remote: (any RemoteJobs)?) throws -> Int32 {
    let options = try RunOptionParser.parse(arguments.map { Array($0.utf8) })
    var host = RunHost(maxJobs: 3)
    host.remote = remote
    return try RunEngine.run(options, host: host)
}

// The suite is declared in TestSupport.swift, with the other suites that start processes.
extension ProcessPoolSuites.RemoteJobExecutorTests {
    @Test("runs programs and shell text, gives status, output and error whole, feeds --pipe input, reports 127")
    func runsJobs() async throws {
        let results = await offCooperativePool { () -> [Int32: RemoteJobResult] in
            let executor = RemoteJobExecutor(environment: ["PARALLELKIT_RANK": "3"])
            let job = { (handle: Int32, words: [String], shell: String, input: String?) in
                RemoteJob(
                    handle: handle, words: words.map { Array($0.utf8) }, shellText: Array(shell.utf8),
                    environment: [Array("PARALLEL_SEQ=\(handle)".utf8)], input: input.map { Array($0.utf8) })
            }
            executor.start(job(1, ["echo", "a b"], "echo 'a b'", nil))
            executor.start(job(2, [], "echo out $PARALLEL_SEQ $PARALLELKIT_RANK; echo err >&2; exit 3", nil))
            executor.start(job(3, ["wc", "-c"], "wc -c", String(repeating: "x", count: 300_000)))
            executor.start(job(4, ["pk-no-such-program"], "pk-no-such-program", nil))
            executor.start(job(5, [], "head -c 200000 /dev/zero", nil))
            return collectAll(executor, expecting: 5)
        }
        #expect(results[1]?.output == Array("a b\n".utf8))
        #expect(results[1]?.exitCode == 0)
        #expect(results[2]?.output == Array("out 2 3\n".utf8))
        #expect(results[2]?.error == Array("err\n".utf8))
        #expect(results[2]?.exitCode == 3)
        #expect(results[3].map { String(decoding: $0.output, as: UTF8.self) } == "300000\n")
        #expect(results[4]?.exitCode == 127)
        #expect(results[4].map { String(decoding: $0.error, as: UTF8.self).contains("not found") } == true)
        #expect(results[5]?.output.count == 200_000)
        #expect(results.values.allSatisfy { $0.signal == 0 && !$0.groupAlive })
    }

    @Test("signal reaches a running job's group; a group that is gone answers false")
    func signals() async throws {
        let (result, late) = await offCooperativePool { () -> (RemoteJobResult?, Bool) in
            let executor = RemoteJobExecutor(environment: [:])
            executor.start(
                RemoteJob(
                    handle: 9, words: [Array("sleep".utf8), Array("30".utf8)], shellText: Array("sleep 30".utf8),
                    environment: [], input: nil))
            _ = executor.collect(waitingMilliseconds: 50)
            #expect(executor.signal(9, SIGTERM))
            let result = collectAll(executor, expecting: 1)[9]
            return (result, executor.signal(9, SIGTERM))
        }
        #expect(result?.signal == SIGTERM)
        #expect(result?.groupAlive == false)
        #expect(late == false)
    }

    @Test("the scheduler through RemoteJobs gives the same statuses and records as here, with the host logged")
    func schedulerThroughRemote() async throws {
        try await withTemporaryDirectory { directory in
            func paths(_ name: String) -> (joblog: String, results: String) {
                let base = directory.appendingPathComponent(name).path
                return (base + ".log", base + ".csv")
            }
            let command = ["-k", "echo {} $PARALLELKIT_RANK; exit {}", ":::", "0", "1", "0", "2", "0"]
            let (here, remote) = (paths("here"), paths("remote"))
            let statuses = try await offCooperativePool { () throws -> (Int32, Int32) in
                let loopback = LoopbackRemoteJobs()
                let local = try runEngine(["--joblog", here.joblog, "--results", here.results] + command, remote: nil)
                let spread = try runEngine(
                    ["--joblog", remote.joblog, "--results", remote.results] + command, remote: loopback)
                return (local, spread)
            }
            #expect(statuses.0 == 2)
            #expect(statuses.1 == statuses.0)
            let rows = { (path: String) in
                try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
                    .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            }
            let (local, spread) = (try rows(here.joblog), try rows(remote.joblog))
            #expect(local.map { $0[1] } == Array(repeating: ":", count: 5))
            #expect(spread.map { $0[1] } == Array(repeating: "loop", count: 5))
            // Seq, Send, Exitval, Signal, Command the same; Receive two bytes more (" 7", the rank).
            let same = { (row: [String]) in [row[0], row[4], row[6], row[7], row[8]] }
            #expect(spread.map(same) == local.map(same))
            #expect(spread.map { Int($0[5])! } == local.map { Int($0[5])! + 2 })
            let csv = try String(contentsOfFile: remote.results, encoding: .utf8)
            #expect(csv.components(separatedBy: ",loop,").count == 6, "\(csv)")
        }
    }

    @Test("--timeout through RemoteJobs ends the job with --termseq's signal, logged as killed")
    func timeoutThroughRemote() async throws {
        try await withTemporaryDirectory { directory in
            let joblog = directory.appendingPathComponent("jl").path
            let (status, signalled) = try await offCooperativePool { () throws -> (Int32, [Int32]) in
                let loopback = LoopbackRemoteJobs()
                let arguments = ["--joblog", joblog, "--timeout", "0.3", "sleep", ":::", "30"]
                let status = try runEngine(arguments, remote: loopback)
                return (status, loopback.signalled)
            }
            #expect(status == 1)
            let entries = joblogEntries(joblog)
            #expect(entries.map(\.exit) == [-1])
            #expect(entries.map(\.signal) == [Int(SIGTERM)])
            #expect(signalled.first == SIGTERM)
        }
    }
}
