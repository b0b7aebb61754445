import ArgumentParser
import ParallelKit
import ParallelKitSystem

/// The entry point, which ParallelKitMain's one line calls: worker processes of `parallelkit
/// bench`'s process pool stop here, and `parallelkit run` goes straight to its own parser (GNU
/// parallel's syntax, byte arguments, and a start-up measured in milliseconds).
public enum Entry {
    public static func main() async {
        // `run` first: registering the bench's worker tasks costs ~1 ms of runtime type lookups,
        // a fifth of the runner's start-up budget, and the runner never serves them.
        if CommandLine.argc > 1, let first = CommandLine.unsafeArgv[1], strcmp(first, "run") == 0 {
            RunMain.leave(RunMain.main(Array(rawArguments().dropFirst(2))))
        }
        // `parallelkit help run`: the runner's own help, the one `parallelkit run --help` prints.
        if CommandLine.arguments.dropFirst().elementsEqual(["help", "run"]) {
            RunMain.leave(RunMain.main([Array("--help".utf8)]))
        }
        WorkerTasks.serveIfWorker(benchWorkerTasks)
        await ParallelKitCommand.main()
    }
}

/// `parallelkit`: ParallelKit's command-line tool.
struct ParallelKitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parallelkit",
        abstract: "Parallel processing for Swift on Linux: benchmarks and tools.",
        version: ParallelKitVersion.text,
        subcommands: [RunCommand.self, BenchCommand.self, WorkersCommand.self, MemoryProbeCommand.self]
    )
}

/// `parallelkit workers`: prints how many workers `.all` means here.
struct WorkersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers",
        abstract: "Print the usable cores (affinity mask capped by the cgroup CPU quota) and the default worker count."
    )

    @Flag(help: "Print only the usable core count, ignoring PARALLELKIT_WORKERS.")
    var available = false

    func run() {
        if available {
            print(Workers.available)
        } else {
            print("available: \(Workers.available)")
            print("default: \(Workers.all.count)")
        }
    }
}
