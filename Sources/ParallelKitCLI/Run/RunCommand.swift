import ArgumentParser
import CParallelKit
import ParallelKit
import ParallelKitRun
import ParallelKitSystem
import Synchronization
#if MPI
import ParallelKitMPI
#endif

/// `parallelkit run`: a GNU-parallel-compatible command runner.
///
/// `Entry` hands `run` to ``RunMain`` before ArgumentParser sees the arguments: GNU's syntax
/// needs a hand-written parser, values after `:::` may be bytes that are not UTF-8, and skipping
/// the general parser keeps start-up short. This type exists so that `parallelkit --help` lists
/// the subcommand and `parallelkit help run` explains it.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command for every input, in parallel, as GNU parallel does.",
        discussion: "Its options, inputs and replacement strings: parallelkit run --help."
    )

    @Argument(parsing: .captureForPassthrough, help: "GNU parallel options, the command and its inputs.")
    var arguments: [String] = []

    func run() throws {
        // Reached only when `run` is not the first argument (e.g. after a global option).
        RunMain.leave(RunMain.main(arguments.map { Array($0.utf8) }))
    }
}

/// Where the run's signal pipe lives while its jobs run.
private final class SignalPipeSlot {
    var pipe: RunSignalPipe?
}

/// The runner's entry point: parse, plan, run, and map every usage error to one line on
/// standard error and exit status 255, as GNU parallel does.
enum RunMain {
    /// Whether this run used MPI, whose `atexit` handler must finalize it.
    private static let usedMPI = Atomic(false)

    /// Ends the process with `status` once standard output is flushed: by `_exit`, not `exit`,
    /// unless MPI must be finalized. `exit`'s destructors deregister the executable's unwind
    /// tables, which waits for the lock the main thread holds while `dispatch_main`'s
    /// `pthread_exit` unwinds it — sorting every frame description of a static executable
    /// first: 12 ms of `parallelkit run true ::: 1`'s 15 ms (perf: `frame_heapsort`,
    /// `fde_single_encoding_compare`), against 3 ms without.
    static func leave(_ status: Int32) -> Never {
        fflush(nil)
        if usedMPI.load(ordering: .relaxed) { exit(status) }
        _exit(status)
    }

    static func main(_ arguments: [Bytes]) -> Int32 {
        ensureStandardDescriptors()
        // A parent may have started the runner with these blocked; it must see them to stop its jobs.
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        do throws(RunUsageError) {
            return try run(arguments)
        } catch {
            // Under `mpirun … run --mpi` every rank parses the same arguments: rank 0 alone says
            // what is wrong, and every rank exits with the same status.
            let otherRank = (launcherRank ?? 0) != 0 && arguments.contains(Array("--mpi".utf8))
            if !otherRank { try? writeAll(2, Array("parallelkit run: \(error.message)\n".utf8)) }  // nowhere to report it
            return 255
        }
    }

    private static func run(_ arguments: [Bytes]) throws(RunUsageError) -> Int32 {
        let options = try RunOptionParser.parse(arguments)
        if options.showHelp { return printAndExit(RunHelp.text(width: helpTextWidth())) }
        if options.showVersion { return printAndExit(ParallelKitVersion.text + "\n") }
        if options.shellQuoteOnly { return try RunEngine.run(options, host: RunHost(maxJobs: 1)) }
        let capacity = descriptorCapacity()
        var jobs = jobSlots(options.jobs, descriptorCapacity: capacity)
        if jobs > capacity {
            // As GNU does: fewer jobs at once rather than jobs that cannot get their pipes.
            try? writeAll(2, Array("parallelkit run: only enough file descriptors to run \(capacity) jobs at once\n".utf8))  // nowhere to report it
            jobs = capacity
        }
        if options.mpi { return try runOnRanks(options, jobsPerRank: jobs) }
        return try run(options, jobs: jobs, remote: nil)
    }

    /// `--mpi`: this rank's part of the run (ParallelKitMPI's `MPIRunMain`); a build without the
    /// `MPI` trait has no MPI linked and says how to get it.
    private static func runOnRanks(_ options: RunOptions, jobsPerRank: Int) throws(RunUsageError) -> Int32 {
        #if MPI
        usedMPI.store(true, ordering: .relaxed)
        return try MPIRunMain.main(slots: jobsPerRank) { remote, slots throws(RunUsageError) in
            try run(options, jobs: slots, remote: remote)
        }
        #else
        throw RunUsageError(
            "--mpi needs a parallelkit built with MPI: swift build --traits MPI -c release --product parallelkit "
                + "(Open MPI's libopenmpi-dev; Guides/MPI.md)")
        #endif
    }

    /// Runs `options` with `jobs` at once, here or (`remote`) on other ranks.
    private static func run(
        _ options: RunOptions, jobs: Int, remote: (any RemoteJobs)?
    ) throws(RunUsageError) -> Int32 {
        // The process-wide policy, the CLI's alone: one thread, so jobs start by the clone that
        // does not wait for the exec; SIGINT, SIGTERM and SIGHUP stop the jobs through the signal
        // pipe, installed when the first job is about to start (not for --dry-run); SIGPIPE is ignored, and a closed standard
        // output ends the runner as GNU ends, by SIGPIPE.
        var host = RunHost(maxJobs: jobs)
        host.remote = remote
        host.strategy = .cloneWithoutWaiting
        host.brokenPipe = {
            signal(SIGPIPE, SIG_DFL)
            raise(SIGPIPE)
            _exit(141)
        }
        let signalPipe = SignalPipeSlot()
        host.willStartJobs = {
            signalPipe.pipe = RunSignalPipe()
            return signalPipe.pipe!.read
        }
        host.didEndJobs = { signalPipe.pipe?.remove() }
        return try RunEngine.run(options, host: host)
    }

    /// Prints `text` on standard output for `--help` and `--version`: status 0, or
    /// ``RunWriteFailure/exitStatus`` after a line on standard error when it cannot be written.
    private static func printAndExit(_ text: String) -> Int32 {
        do throws(SystemError) {
            try writeAll(1, Array(text.utf8))
            return 0
        } catch {
            let failure = RunWriteFailure(target: "standard output", error: error)
            try? writeAll(2, Array("parallelkit run: \(failure.message)\n".utf8))  // nowhere to report it
            return RunWriteFailure.exitStatus
        }
    }

    /// The number of jobs to run at once: `-j` against the usable cores (`Workers`).
    /// `cores` is read only for the forms that need it: a plain `-j N` skips the cgroup files.
    static func jobSlots(
        _ jobs: RunOptions.Jobs?, cores: @autoclosure () -> Int = Workers.all.count, descriptorCapacity: Int = 4096
    ) -> Int {
        switch jobs {
        case .none: return cores()
        case .count(let count): return max(1, count)
        case .percent(let percent): return max(1, Int(Double(cores()) * percent / 100))
        case .plus(let plus): return cores() + plus
        case .minus(let minus): return max(1, cores() - minus)
        case .unlimited: return min(descriptorCapacity, 4096)
        }
    }

    /// How many jobs the descriptor limit allows at once, after raising the soft limit to the
    /// hard one: each job holds up to six (output and error pipes, a pidfd, its --pipe input,
    /// two spill files), and the runner keeps 16 for itself.
    static func descriptorCapacity() -> Int {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        let descriptors = limit.rlim_cur > 1 << 20 ? 1 << 20 : Int(limit.rlim_cur)
        return max(1, (descriptors - 16) / 6)
    }

    /// Makes sure descriptors 0, 1 and 2 are open, so pipes never take their numbers.
    private static func ensureStandardDescriptors() {
        // A probe, not a call that fails: EBADF says the descriptor is closed.
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) < 0 {
            _ = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
        }
    }
}
