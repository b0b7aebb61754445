import Foundation
import ParallelKitTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

// `parallelkit run` when its own writes fail (issue 13.6): a full file system under --joblog,
// --results, --tmpdir and standard output. The cases on a small tmpfs need `mount` (root or
// CAP_SYS_ADMIN) and are skipped without it; the same failures are also made without mounting —
// /dev/full, a symlink to it, a file size limit (`ulimit -f`, SIGXFSZ ignored) — so they always run.

/// Whether this process may mount a tmpfs (probed once, then unmounted).
private let tmpfsMountable: Bool = {
    let directory = NSTemporaryDirectory() + "pk-tmpfs-probe-\(UUID().uuidString.prefix(8))"
    guard mkdir(directory, 0o700) == 0 else { return false }
    defer { rmdir(directory) }
    guard mount("tmpfs", directory, "tmpfs", 0, "size=64k") == 0 else { return false }
    umount2(directory, Int32(MNT_DETACH))
    return true
}()

private let needsMount = Testing.ConditionTrait.enabled(
    if: tmpfsMountable,
    """
    mount -t tmpfs is not permitted here (needs root or CAP_SYS_ADMIN): the full-tmpfs cases are skipped; \
    the /dev/full and file-size-limit cases still run
    """)

/// A fresh tmpfs of `kib` KiB for `body`; unmounted and removed however `body` ends.
private func withTmpfs<R>(kib: Int, _ body: (String) async throws -> R) async throws -> R {
    let directory = NSTemporaryDirectory() + "pk-tmpfs-\(UUID().uuidString.prefix(8))"
    guard mkdir(directory, 0o700) == 0 else { throw POSIXError(.EIO) }
    defer { rmdir(directory) }
    guard mount("tmpfs", directory, "tmpfs", 0, "size=\(kib)k") == 0 else { throw POSIXError(.EPERM) }
    defer { umount2(directory, Int32(MNT_DETACH)) }
    return try await body(directory)
}

/// A fresh directory on the ordinary disk for `body`, removed however `body` ends.
private func withScratch<R>(_ body: (String) async throws -> R) async throws -> R {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pk-wf-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory.path)
}

private func run(_ arguments: [String]) async throws -> CLIResult {
    try await runCLI(arguments)
}

private func script(_ text: String) async throws -> CLIResult {
    try await runScript(text)
}

/// Runs `parallelkit run ARGUMENTS` with files limited to `blocks` blocks (`ulimit -f`) and
/// SIGXFSZ ignored, so a write past the limit fails with EFBIG. Its standard output goes through
/// a pipe (not limited) to `output`; its status is read from a file.
private func runLimited(blocks: Int, _ arguments: String, output: String, in directory: String) async throws -> CLIResult {
    var result = try await script(
        "( trap '' XFSZ; ulimit -f \(blocks); \"$1\" run \(arguments); echo $? > '\(directory)/status' ) | cat > '\(output)'")
    let status = try String(contentsOfFile: directory + "/status", encoding: .utf8)
    result.status = Int32(status.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    return result
}

/// The jobs whose output is whole in `text`: every job prints `seq -f 'N-%g' lines`, so job N is
/// whole when its lines N-1 … N-lines are all there (a cut last line does not count).
private func wholeJobs(_ text: String, lines: Int) -> Set<Int> {
    var complete = text.split(separator: "\n", omittingEmptySubsequences: false)
    if !text.hasSuffix("\n") || text.isEmpty { complete = complete.dropLast() }  // "" or a cut line
    var seen: [Int: Set<Int>] = [:]
    for line in complete {
        let parts = line.split(separator: "-")
        guard parts.count == 2, let job = Int(parts[0]), let index = Int(parts[1]) else { continue }
        seen[job, default: []].insert(index)
    }
    return Set(seen.filter { $0.value == Set(1...lines) }.keys)
}

private func wholeJobs(inFile path: String, lines: Int) -> Set<Int> {
    wholeJobs((try? String(contentsOfFile: path, encoding: .utf8)) ?? "", lines: lines)
}

/// The jobs the joblog at `path` calls done (exit 0, no signal).
private func loggedDone(_ path: String) -> Set<Int> {
    Set(joblogEntries(path).filter { $0.exit == 0 && $0.signal == 0 }.map(\.sequence))
}

/// Whether the joblog at `path` holds whole lines only: each with GNU's nine columns, the last
/// one ended by a newline.
private func joblogIsWhole(_ path: String) -> Bool {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8), text.hasSuffix("\n") else { return false }
    return text.split(separator: "\n").allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count >= 9 }
}

private func inputs(_ range: ClosedRange<Int>) -> String { range.map(String.init).joined(separator: " ") }

@Suite("parallelkit run: a failed write ends the run, and no lost job is logged", .serialized)
struct RunWriteFailureTests {
    // MARK: - Always: /dev/full, a symlink to it, a file size limit

    @Test("standard output on /dev/full: status 255, the message on standard error, no job logged")
    func standardOutputOnDevFull() async throws {
        try await withScratch { directory in
            let result = try await script(
                "\"$1\" run -j2 --joblog '\(directory)/log' \"seq -f '{}-%g' 1000\" ::: \(inputs(1...30)) > /dev/full")
            #expect(result.status == 255, "\(result.error)")
            #expect(result.error.contains("parallelkit run: standard output: write failed: No space left on device"))
            #expect(loggedDone(directory + "/log").isEmpty, "no job's output was written")
            #expect(joblogIsWhole(directory + "/log"))
        }
    }

    @Test("a failed write ends the running jobs with --termseq, as --halt now does, at once")
    func runningJobsAreEnded() async throws {
        let marker = "59.\(Int.random(in: 100...999))"
        let result = try await script("\"$1\" run -j2 ::: 'seq 1000' 'sleep \(marker)' > /dev/full")
        let elapsed = result.seconds
        #expect(result.status == 255, "\(result.error)")
        #expect(elapsed < 30, "the 59 s job was ended, not waited for (\(elapsed) s)")
        #expect(await offCooperativePool {
            waitUntil(within: 10) { processes(withCommandLineContaining: "sleep \(marker)").isEmpty }
        })
    }

    @Test("--joblog /dev/full: the header cannot be written, so no job runs; status 255 and the message")
    func joblogOnDevFull() async throws {
        let result = try await run(["run", "--joblog", "/dev/full", "echo", ":::", "a", "b"])
        #expect(result.status == 255)
        #expect(result.error.contains("parallelkit run: --joblog /dev/full: write failed: No space left on device"))
        #expect(result.output.isEmpty, "nothing ran: \(result.output)")
    }

    @Test("--joblog past the file size limit: status 255, the message, whole lines only, every logged job whole")
    func joblogPastFileSizeLimit() async throws {
        try await withScratch { directory in
            let log = directory + "/log"
            let result = try await runLimited(
                blocks: 16, "-j2 --joblog '\(log)' \"seq -f '{}-%g' 1\" ::: \(inputs(1...2000))",
                output: directory + "/out", in: directory)
            #expect(result.status == 255, "\(result.error)")
            #expect(result.error.contains("parallelkit run: --joblog \(log): write failed: File too large"))
            let logged = loggedDone(log)
            #expect(!logged.isEmpty && logged.count < 2000)
            #expect(logged.isSubset(of: wholeJobs(inFile: directory + "/out", lines: 1)))
            #expect(joblogIsWhole(log), "the cut line was taken off again")
        }
    }

    @Test("--results: a file that cannot be written stops the run before its job is logged")
    func resultsFileOnDevFull() async throws {
        try await withScratch { directory in
            let results = directory + "/res"
            try FileManager.default.createDirectory(atPath: results + "/1/7", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: results + "/1/7/stdout", withDestinationPath: "/dev/full")
            let result = try await run([
                "run", "-j1", "--joblog", directory + "/log", "--results", results, "seq -f '{}-%g' 100", ":::",
            ] + (1...20).map(String.init))
            #expect(result.status == 255, "\(result.error)")
            #expect(result.error.contains(
                "parallelkit run: --results \(results)/1/7/stdout: write failed: No space left on device"))
            let logged = loggedDone(directory + "/log")
            #expect(logged == Set(1...6), "the jobs before 7 are logged, 7 is not, none after it ran")
            for job in logged { #expect(wholeJobs(inFile: "\(results)/1/\(job)/stdout", lines: 100) == [job]) }
            #expect(!FileManager.default.fileExists(atPath: results + "/1/8"))
        }
    }

    @Test("output spilled past the file size limit: status 255, the message naming --tmpdir, no incomplete job logged")
    func spillPastFileSizeLimit() async throws {
        try await withScratch { directory in
            try FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
            // 500,000 lines (3.9 MB) per job: past the 1 MiB a job keeps in memory, so it spills.
            let result = try await runLimited(
                blocks: 2048,
                "-j2 --joblog '\(directory)/log' --tmpdir '\(directory)/tmp' \"seq -f '{}-%g' 500000\" ::: 1 2 3",
                output: directory + "/out", in: directory)
            #expect(result.status == 255, "\(result.error)")
            #expect(result.error.contains("parallelkit run: --tmpdir \(directory)/tmp: write failed: File too large"))
            #expect(loggedDone(directory + "/log").isSubset(of: wholeJobs(inFile: directory + "/out", lines: 500_000)))
        }
    }

    // MARK: - A full tmpfs

    @Test("--joblog on a full tmpfs: status 255, the message, whole lines only, every logged job whole", needsMount)
    func joblogOnFullTmpfs() async throws {
        try await withTmpfs(kib: 64) { full in
            // 8 KiB left for the log: about 180 of the 1000 lines.
            #expect(FileManager.default.createFile(atPath: full + "/filler", contents: Data(count: 56 * 1024)))
            let log = full + "/log"
            let result = try await run(["run", "-j2", "--joblog", log, "seq -f '{}-%g' 1", ":::"] + (1...1000).map(String.init))
            #expect(result.status == 255, "\(result.error)")
            #expect(result.error.contains("parallelkit run: --joblog \(log): write failed: No space left on device"))
            let logged = loggedDone(log)
            #expect(!logged.isEmpty && logged.count < 1000)
            #expect(logged.isSubset(of: wholeJobs(result.output, lines: 1)))
            #expect(joblogIsWhole(log))
        }
    }

    @Test("--results on a full tmpfs: status 255, the message, every logged job's files whole", needsMount)
    func resultsOnFullTmpfs() async throws {
        try await withScratch { directory in
            try await withTmpfs(kib: 64) { full in
                let result = try await run([
                    "run", "-j2", "--joblog", directory + "/log", "--results", full + "/res", "seq -f '{}-%g' 100", ":::",
                ] + (1...200).map(String.init))
                #expect(result.status == 255, "\(result.error)")
                #expect(result.error.contains("parallelkit run: --results \(full)/res/1/"))
                #expect(result.error.contains("failed: No space left on device"))
                let logged = loggedDone(directory + "/log")
                #expect(logged.count < 200)
                for job in logged { #expect(wholeJobs(inFile: "\(full)/res/1/\(job)/stdout", lines: 100) == [job]) }
            }
        }
    }

    @Test("output spilled to a full --tmpdir: status 255, the message, no incomplete job logged", needsMount)
    func spillToFullTmpfs() async throws {
        try await withScratch { directory in
            try await withTmpfs(kib: 64) { full in
                // 200,000 lines (1.6 MB) per job: past the 1 MiB a job keeps in memory.
                let result = try await run([
                    "run", "-j2", "--joblog", directory + "/log", "--tmpdir", full, "seq -f '{}-%g' 200000", ":::",
                    "1", "2", "3", "4",
                ])
                #expect(result.status == 255, "\(result.error)")
                #expect(result.error.contains("parallelkit run: --tmpdir \(full): write failed: No space left on device"))
                #expect(loggedDone(directory + "/log").isSubset(of: wholeJobs(result.output, lines: 200_000)))
            }
        }
    }

    @Test("standard output on a full tmpfs: status 255, the message, every logged job whole", needsMount)
    func standardOutputOnFullTmpfs() async throws {
        try await withScratch { directory in
            try await withTmpfs(kib: 64) { full in
                let (result, logged, printed) = try await fillStandardOutput(full: full, log: directory + "/log")
                #expect(result.status == 255, "\(result.error)")
                #expect(result.error.contains("parallelkit run: standard output: write failed: No space left on device"))
                #expect(printed.count < 30)
                #expect(logged.isSubset(of: printed))
            }
        }
    }

    @Test("--resume after standard output filled a tmpfs runs again exactly the jobs not logged", needsMount)
    func resumeAfterFullStandardOutput() async throws {
        try await withScratch { directory in
            try await withTmpfs(kib: 64) { full in
                let log = directory + "/log"
                let (first, logged, printed) = try await fillStandardOutput(full: full, log: log)
                #expect(first.status == 255)
                let resumed = try await run(["run", "-j2", "--resume", "--joblog", log, "seq -f '{}-%g' 1000", ":::"]
                    + (1...30).map(String.init))
                #expect(resumed.status == 0, "\(resumed.error)")
                let rerun = wholeJobs(resumed.output, lines: 1000)
                #expect(rerun == Set(1...30).subtracting(logged), "the jobs not logged, and only those, ran again")
                #expect(printed.union(rerun) == Set(1...30), "every job's output is whole somewhere")
                #expect(loggedDone(log) == Set(1...30))
                #expect(joblogEntries(log).count == 30, "every job logged once")
            }
        }
    }

    /// 30 jobs of 1000 lines (6.9 KB each) to standard output on the 64 KiB tmpfs `full`; the
    /// joblog at `log`. Returns the run, the jobs it logged, and the jobs whose output is whole.
    private func fillStandardOutput(full: String, log: String) async throws
        -> (CLIResult, logged: Set<Int>, printed: Set<Int>)
    {
        let result = try await script(
            "\"$1\" run -j2 --joblog '\(log)' \"seq -f '{}-%g' 1000\" ::: \(inputs(1...30)) > '\(full)/out'")
        return (result, loggedDone(log), wholeJobs(inFile: full + "/out", lines: 1000))
    }
}
