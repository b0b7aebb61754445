import Foundation
import ParallelKitTestSupport
import Testing

// `parallelkit run --mpi` (ParallelKitMPI/Run) under a real launcher: the test builds `parallelkit`
// with the `MPI` trait in the MPI tests' scratch folder (MPITests.swift), runs it under
// `mpirun -np 4` — rank 0 hands out the jobs, ranks 1-3 run them, `-j2` each — and holds it to
// the same binary run without `--mpi` on the same command and inputs.

/// `parallelkit` built with `--traits MPI` (or `PARALLELKIT_MPI_CLI`, prebuilt); MPITests.swift's
/// Slurm test runs it too.
let mpiCLI: Result<String, MPICLIBuildFailed> = {
    if let prebuilt = ProcessInfo.processInfo.environment["PARALLELKIT_MPI_CLI"] { return .success(prebuilt) }
    let scratch = packageRoot + "/.build/mpi"
    let build = Process()
    build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    build.arguments = [
        "swift", "build", "--package-path", packageRoot, "--scratch-path", scratch, "--traits", "MPI",
        "--product", "parallelkit",
    ]
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("pk-mpi-cli-\(UUID())")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: log) }
    do {
        let handle = try FileHandle(forWritingTo: log)
        build.standardOutput = handle
        build.standardError = handle
        try build.run()
    } catch {
        return .failure(MPICLIBuildFailed(output: "\(error)"))
    }
    build.waitUntilExit()
    guard build.terminationStatus == 0 else {
        return .failure(MPICLIBuildFailed(output: (try? String(contentsOf: log, encoding: .utf8)) ?? ""))
    }
    return .success(scratch + "/debug/parallelkit")
}()

struct MPICLIBuildFailed: Error, CustomStringConvertible {
    var output: String
    var description: String { "swift build --traits MPI --product parallelkit failed:\n\(output)" }
}

/// Runs the MPI build of `parallelkit` with `arguments`, under `mpirun -np 4` or (`launched:
/// false`) alone.
private func runMPICLI(_ arguments: [String], launched: Bool = true) async throws -> CLIResult {
    let cli = try await offCooperativePool { () throws(MPICLIBuildFailed) -> String in try mpiCLI.get() }
    // `-q`: no notice from mpirun when rank 0 exits with a failed jobs' status.
    return try await runCLI(
        arguments, prefix: launched ? [mpirun!, "-q", "-np", "4"] : [], environment: mpiEnvironment, executable: cli)
}

/// Inputs whose jobs' output has every kind of bytes the runner passes on: several lines, none,
/// no final newline, standard error, quotes and spaces, and 200 KB (more than a pipe holds).
private let inputs = (1...40).map { "v\($0)" } + ["with space", "it's", "", "big"]

/// One job's output from its input (`{}`), the same wherever it runs.
private let command =
    "case {} in big) head -c 200000 /dev/zero | tr '\\0' x;; '') ;; *) printf '%s\\n%s' {} 'no newline';; esac; "
    + "echo err {} >&2"

extension ProcessPoolSuites.MPIPoolTests {
    @Test(
        "run --mpi -k under mpirun -np 4 prints byte for byte what run -k prints on one machine",
        .enabled(if: hasOpenMPI, "Open MPI is not installed: apt-get install openmpi-bin libopenmpi-dev"))
    func keepOrderMatchesOneMachine() async throws {
        let arguments = ["-k", "-j2", command, ":::"] + inputs
        let spread = try await runMPICLI(["run", "--mpi"] + arguments)
        let here = try await runMPICLI(["run"] + arguments, launched: false)
        #expect(spread.status == 0, "\(spread.error)")
        #expect(here.status == 0, "\(here.error)")
        #expect(spread.output.utf8.count > 200_000)
        #expect(spread.output == here.output)
        // Standard error goes through rank 0 as well, each job's whole, in input order.
        #expect(spread.error == here.error, "\(spread.error)")
    }

    @Test(
        "the joblog has a row per job whose Host is the rank's host, and every worker rank ran jobs",
        .enabled(if: hasOpenMPI, "Open MPI is not installed: apt-get install openmpi-bin libopenmpi-dev"))
    func joblogHostsAndRanks() async throws {
        try await withTemporaryDirectory { directory in
            let joblog = directory.appendingPathComponent("jl").path
            let result = try await runMPICLI(
                ["run", "--mpi", "-k", "-j2", "--joblog", joblog, "sleep 0.05; echo {} $PARALLELKIT_RANK", ":::"]
                    + (1...24).map(String.init))
            #expect(result.status == 0, "\(result.error)")
            let lines = result.output.split(separator: "\n").map { $0.split(separator: " ") }
            #expect(lines.map { String($0[0]) } == (1...24).map(String.init))
            // PARALLELKIT_RANK: the rank that ran the job; rank 0 runs none.
            #expect(Set(lines.map { String($0[1]) }) == ["1", "2", "3"], "\(result.output)")
            let text = try String(contentsOfFile: joblog, encoding: .utf8)
            let rows = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
            #expect(rows.first?.map(String.init) == [
                "Seq", "Host", "Starttime", "JobRuntime", "Send", "Receive", "Exitval", "Signal", "Command",
            ])
            #expect(rows.dropFirst().map { Int($0[0]) ?? 0 }.sorted() == Array(1...24))
            // Every rank runs on this host here (Benchmarks/mpi-cluster.sh shows three).
            #expect(Set(rows.dropFirst().map { String($0[1]) }) == [hostName])
        }
    }

    @Test(
        "failing jobs give the status of the same run on one machine: the count, 101 at most, and --halt's",
        .enabled(if: hasOpenMPI, "Open MPI is not installed: apt-get install openmpi-bin libopenmpi-dev"))
    func failingJobsStatus() async throws {
        // Each with the status it must give: 4 failed jobs; 105, capped at 101; the first to fail
        // (`exit 1` after 0.1 s, half a second before any other ends) stops the run with its own.
        let cases: [(arguments: [String], status: Int32)] = [
            (["exit {}", ":::", "0", "1", "2", "0", "3", "5"], 4),
            (["false", ":::"] + (1...105).map(String.init), 101),
            (["--halt", "now,fail=1", "sleep 0.{}; exit {}", ":::", "6", "1", "7", "8"], 1),
        ]
        for (arguments, status) in cases {
            let spread = try await runMPICLI(["run", "--mpi", "-k", "-j2"] + arguments)
            let here = try await runMPICLI(["run", "-k", "-j2"] + arguments, launched: false)
            #expect(here.status == status, "\(arguments.prefix(3)): \(here.error)")
            #expect(spread.status == here.status, "\(arguments.prefix(3)): \(spread.error)")
            #expect(spread.output == here.output)
        }
    }

    @Test(
        "a usage error under mpirun -np 4 is printed once, by rank 0, and every rank exits 255",
        .enabled(if: hasOpenMPI, "Open MPI is not installed: apt-get install openmpi-bin libopenmpi-dev"))
    func usageErrorOnce() async throws {
        let result = try await runMPICLI(["run", "--mpi", "--no-such-option", "echo", "ran", ":::", "a"])
        #expect(result.status == 255)
        #expect(result.output.isEmpty)
        #expect(result.error == "parallelkit run: unknown option: --no-such-option\n", "\(result.error)")
    }

    @Test(
        "run --mpi without a launcher says how to launch it and runs nothing",
        .enabled(if: hasOpenMPI, "Open MPI is not installed: apt-get install openmpi-bin libopenmpi-dev"))
    func withoutLauncher() async throws {
        let result = try await runMPICLI(["run", "--mpi", "echo", "ran", ":::", "a"], launched: false)
        #expect(result.status == 255)
        #expect(result.output.isEmpty)
        #expect(result.error.contains("mpirun -np N parallelkit run --mpi"), "\(result.error)")
    }
}

extension ProcessPoolSuites.MPIPoolTests {
    @Test("a parallelkit built without the MPI trait (the tests' own) refuses --mpi, naming --traits MPI, runs nothing")
    func refusesMPI() async throws {
        let result = try await runCLI(["run", "--mpi", "echo", "ran", ":::", "a"])
        #expect(result.status == 255)
        #expect(result.output.isEmpty)
        #expect(result.error.contains("swift build --traits MPI"), "\(result.error)")
    }
}

extension ProcessPoolSuites.MPIPoolTests {
    @Test(
        "run --mpi across three hosts in network namespaces: output in order, and the joblog names all three",
        .enabled(if: canMakeCluster, "needs root, openssh-server, iproute2 and network namespaces"))
    func runOnThreeHosts() async throws {
        let cli = try await offCooperativePool { () throws(MPICLIBuildFailed) -> String in try mpiCLI.get() }
        let script = packageRoot + "/Benchmarks/mpi-cluster.sh"
        let cluster = try await runCLI(
            [script, "run"], environment: ["PARALLELKIT_MPI_CLI": cli], executable: "/bin/bash")
        #expect(cluster.status == 0, "\(cluster.output)\n\(cluster.error)")
        let lines = cluster.output.split(separator: "\n").map(String.init)
        // Rank 0 on pkh1 hands out the jobs; ranks 1, 2, 3 run on pkh2, pkh3 and pkh1 (--map-by node).
        let jobs = lines.filter { $0.contains(" rank ") }
        #expect(jobs.map { $0.split(separator: " ")[0] } == (1...12).map { "\($0)"[...] }, "\(cluster.output)")
        #expect(Set(jobs.map { $0.split(separator: " ").last.map(String.init) ?? "" }) == ["pkh1", "pkh2", "pkh3"])
        #expect(lines.last == "joblog hosts pkh1 pkh2 pkh3", "\(cluster.output)\n\(cluster.error)")
    }
}
