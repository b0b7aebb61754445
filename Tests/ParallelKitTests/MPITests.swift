import Foundation
import ParallelKitTestSupport
import Testing

// MPIPool under a real launcher: the test bundle never runs under `mpirun`; it builds the MPI
// test program (Sources/ParallelKitMPITestRunner) with the `MPI` trait in a scratch folder of its
// own (so the tests' build keeps its flags), starts it with `mpirun -np 4`, and reads the lines
// rank 0 prints. Skipped, saying why, where Open MPI is not installed.

/// `mpirun`'s path, or `nil` when Open MPI is not installed (also MPIRunMainTests.swift's).
let mpirun: String? = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// Whether Open MPI's headers are there too (`libopenmpi-dev`).
private let hasOpenMPIHeaders = FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h")
    || FileManager.default.fileExists(atPath: "/usr/lib/aarch64-linux-gnu/openmpi/include/mpi.h")

let hasOpenMPI = mpirun != nil && hasOpenMPIHeaders

/// The package's root, from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The MPI test program, built once with `--traits MPI` (or `PARALLELKIT_MPI_RUNNER`, prebuilt).
private let mpiRunner: Result<String, MPIRunnerBuildFailed> = {
    if let prebuilt = ProcessInfo.processInfo.environment["PARALLELKIT_MPI_RUNNER"] { return .success(prebuilt) }
    let scratch = packageRoot + "/.build/mpi"
    let build = runProgram(
        "/usr/bin/env",
        ["swift", "build", "--package-path", packageRoot, "--scratch-path", scratch, "--traits", "MPI",
         "--product", "ParallelKitMPITestRunner"])
    guard build.status == 0 else { return .failure(MPIRunnerBuildFailed(output: build.output + build.error)) }
    return .success(scratch + "/debug/ParallelKitMPITestRunner")
}()

private struct MPIRunnerBuildFailed: Error, CustomStringConvertible {
    var output: String
    var description: String { "swift build --traits MPI failed:\n\(output)" }
}

/// What root and an oversubscribed machine need, and the faster of Open MPI's messaging layers
/// for one host (`ob1`: MPI_Init in ~210 ms here instead of ~350 ms).
let mpiEnvironment = [
    "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMPI_MCA_rmaps_base_oversubscribe": "1",
    "OMPI_MCA_pml": "ob1",
]

private struct ProgramResult: Sendable {
    var status: Int32
    var output: String
    var error: String
}

/// Runs `executable` with `arguments` to its end, its output in files (a pipe could fill).
private func runProgram(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) -> ProgramResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pk-mpi-\(UUID())")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let out = directory.appendingPathComponent("out")
    let err = directory.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    do {
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    } catch {
        return ProgramResult(status: -1, output: "", error: "\(error)")
    }
    process.waitUntilExit()
    return ProgramResult(
        status: process.terminationStatus, output: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
        error: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

/// Builds the runner if needed and runs it under `mpirun -np 4` (or alone, `launched: false`).
private func runMPI(_ mode: String, launched: Bool = true) async throws -> ProgramResult {
    let runner = try await offCooperativePool { () throws(MPIRunnerBuildFailed) -> String in try mpiRunner.get() }
    return await offCooperativePool {
        launched
            ? runProgram(mpirun!, ["-np", "4", runner, mode], environment: mpiEnvironment)
            : runProgram(runner, [mode], environment: mpiEnvironment)
    }
}

/// This machine's host name, as Open MPI names a node.
var hostName: String {
    var name = [CChar](repeating: 0, count: 256)
    gethostname(&name, name.count)
    return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

// The suite is declared in TestSupport.swift, with the other suites that ProcessPoolSuites runs one at a time.
extension ProcessPoolSuites.MPIPoolTests {
    @Test(
        "under mpirun -np 4 every MPIPool method gives the serial results, and a throwing task returns its error",
        .enabled(if: hasOpenMPI, "Open MPI is not installed: apt-get install openmpi-bin libopenmpi-dev"))
    func everyMethod() async throws {
        let result = try await runMPI("pool")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        #expect(lines.first == "ranks 4 host \(hostName)")
        let expected = [
            "map", "map-fixed-1", "map-fixed-64", "map-empty", "map-large", "map-progress", "map-async-task", "map-cancel",
            "after-cancel", "stream", "stream-adaptive", "streamUnordered", "apply",
            "submit", "submitMap", "parallel-backend", "parallelMap-on-pool", "workers", "throws-map", "throws-apply",
            "throws-stream", "after-throw",
        ]
        #expect(lines.filter { $0.hasPrefix("ok ") } == expected.map { "ok \($0)" }, "\(result.output)\n\(result.error)")
        #expect(!lines.contains { $0.hasPrefix("FAIL") })
        #expect(lines.last == "done")
    }

    @Test(
        "a worker rank killed with SIGKILL ends the job, and the message names the rank and its host",
        .enabled(if: hasOpenMPI, "Open MPI is not installed: apt-get install openmpi-bin libopenmpi-dev"))
    func killedRank() async throws {
        let result = try await runMPI("kill")
        let all = result.output + result.error
        #expect(result.status != 0)
        #expect(result.output.contains("killing a worker rank"))
        #expect(!all.contains("FAIL"), "\(all)")
        // Open MPI 4.1's own words, from mpirun: "process rank 1 with PID … on node HOST exited on signal 9".
        #expect(all.contains("rank 1") && all.contains("node \(hostName)") && all.contains("signal 9"), "\(all)")
    }

    @Test(
        "a program that leaves a stream of large outputs early still ends its job (the worker ranks stop)",
        .enabled(if: hasOpenMPI, "Open MPI is not installed: apt-get install openmpi-bin libopenmpi-dev"))
    func exitWithAnswersUnread() async throws {
        let runner = try await offCooperativePool { () throws(MPIRunnerBuildFailed) -> String in try mpiRunner.get() }
        // `timeout`: a rank that never stops would otherwise hold the test for ever (status 124).
        let result = await offCooperativePool {
            runProgram("/usr/bin/timeout", ["120", mpirun!, "-np", "4", runner, "exit-early"], environment: mpiEnvironment)
        }
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        #expect(result.output == "ok exit-early\ndone\n", "\(result.output)\n\(result.error)")
    }

    @Test(
        "without a launcher MPIPool says how to launch the program",
        .enabled(if: hasOpenMPI, "Open MPI is not installed: apt-get install openmpi-bin libopenmpi-dev"))
    func singleton() async throws {
        let result = try await runMPI("singleton", launched: false)
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        #expect(result.output.contains("ok singleton"), "\(result.output)")
    }
}

/// Whether `executable` runs and exits 0 (a probe of what this machine allows).
private func succeeds(_ executable: String, _ arguments: [String]) -> Bool {
    FileManager.default.isExecutableFile(atPath: executable) && runProgram(executable, arguments).status == 0
}

/// Root, sshd, and network and host-name namespaces: what Benchmarks/mpi-cluster.sh needs.
let canMakeCluster = hasOpenMPI && getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd")
    && succeeds("/usr/bin/unshare", ["--net", "--uts", "true"]) && succeeds("/usr/sbin/ip", ["-V"])

/// Root, Slurm's daemons and munge: what Benchmarks/mpi-slurm.sh needs.
private let canStartSlurm = hasOpenMPI && getuid() == 0
    && ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/srun"].allSatisfy {
        FileManager.default.isExecutableFile(atPath: $0)
    }

/// The checks' lines of a run of the test program, without the lines that name hosts.
private func checkLines(_ output: String) -> [String] {
    output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("ok ") || $0.hasPrefix("FAIL") || $0 == "done" }
}

extension ProcessPoolSuites.MPIPoolTests {
    @Test(
        "three hosts in network namespaces (ssh, TCP) give the results of mpirun -np 4 on one host",
        .enabled(if: canMakeCluster, "needs root, openssh-server, iproute2 and network namespaces"))
    func threeHosts() async throws {
        let oneHost = try await runMPI("pool")
        let script = packageRoot + "/Benchmarks/mpi-cluster.sh"
        let cluster = await offCooperativePool { runProgram("/bin/bash", [script, "pool"]) }
        #expect(cluster.status == 0, "\(cluster.output)\n\(cluster.error)")
        #expect(checkLines(cluster.output) == checkLines(oneHost.output), "\(cluster.output)\n\(cluster.error)")
        #expect(cluster.output.contains("worker hosts pkh1 pkh2 pkh3"), "\(cluster.output)")
        let leftover = await offCooperativePool { runProgram("/usr/sbin/ip", ["netns", "list"]) }
        #expect(!leftover.output.contains("pk-ns"))
    }

    @Test(
        "srun -n 4 on a single-node Slurm gives the results of mpirun -np 4, and runs parallelkit run --mpi",
        .enabled(if: canStartSlurm, "needs root, slurm-wlm and munge"))
    func slurm() async throws {
        let oneHost = try await runMPI("pool")
        let script = packageRoot + "/Benchmarks/mpi-slurm.sh"
        let slurm = await offCooperativePool { runProgram("/bin/bash", [script, "pool"]) }
        #expect(slurm.status == 0, "\(slurm.output)\n\(slurm.error)")
        #expect(checkLines(slurm.output) == checkLines(oneHost.output), "\(slurm.output)\n\(slurm.error)")
        #expect(!checkLines(slurm.output).isEmpty)
        // `parallelkit run --mpi -k -j2` of 12 jobs under srun: in order, on ranks 1-3, the joblog's Host this node.
        let cli = try await offCooperativePool { () throws(MPICLIBuildFailed) -> String in try mpiCLI.get() }
        let run = await offCooperativePool {
            runProgram("/bin/bash", [script, "run"], environment: ["PARALLELKIT_MPI_CLI": cli])
        }
        #expect(run.status == 0, "\(run.output)\n\(run.error)")
        let lines = run.output.split(separator: "\n").map(String.init)
        let jobs = lines.filter { $0.contains(" rank ") }.map { $0.split(separator: " ").map(String.init) }
        #expect(jobs.map { $0[0] } == (1...12).map(String.init), "\(run.output)")
        #expect(Set(jobs.map { $0[2] }) == ["1", "2", "3"], "\(run.output)")
        #expect(jobs.allSatisfy { $0.last == hostName }, "\(run.output)")
        #expect(lines.last == "joblog hosts \(hostName)", "\(run.output)\n\(run.error)")
    }
}
