import ArgumentParser
import ParallelKit

/// The entry point: worker processes of `parallelkit bench`'s process pool stop here.
@main
enum Entry {
    static func main() async {
        WorkerTasks.serveIfWorker(benchWorkerTasks)
        await ParallelKitCommand.main()
    }
}

/// `parallelkit`: ParallelKit's command-line tool.
struct ParallelKitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parallelkit",
        abstract: "Parallel processing for Swift on Linux: benchmarks and tools.",
        subcommands: [BenchCommand.self, WorkersCommand.self, MemoryProbeCommand.self]
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
