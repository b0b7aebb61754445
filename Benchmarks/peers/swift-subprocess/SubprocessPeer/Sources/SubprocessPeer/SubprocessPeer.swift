// Runs `true 1`, `true 2`, … `true N` (the arguments `xargs -n1 true` and `parallelkit run true`
// give it), at most `jobs` at a time: a task group that starts a child task per job and, once
// `jobs` are running, waits for one to end before starting the next. Each job is
// swift-subprocess's `run` with its output discarded. Prints one JSON line with the keys of
// `parallelkit bench --json` rows; `seconds` is timed inside the process (from the first start
// to the last exit), so it leaves out the peer's own start-up.
//
// The program is found on PATH once, before the clock starts (`Executable.resolveExecutablePath`),
// and each job runs it by path: the fastest way swift-subprocess offers. With `--by-name` each
// job passes `.name(NAME)` instead, as swift-subprocess's README does; 1.0.2 then resolves the
// name by spawning each PATH candidate in turn until one execs ("spawn each directly and catch
// ENOENT", Subprocess+Spawn.swift), so a program late on PATH costs one failed spawn per entry
// before it, per job. That row is `swift-subprocess-by-name`.
//
// Usage: SubprocessPeer [--jobs N] [--count N] [--executable NAME] [--by-name]
//   (defaults: 2 jobs, 2000 of them, `true`)
import Subprocess

#if canImport(Glibc)
    import Glibc
#endif

struct PeerOptions {
    var jobs = 2
    var count = 2000
    var executable = "true"
    var byName = false

    init(_ arguments: ArraySlice<String>) {
        var rest = arguments
        while let option = rest.popFirst() {
            if option == "--by-name" {
                byName = true
                continue
            }
            guard let value = rest.popFirst() else { fail("\(option) needs a value") }
            switch option {
            case "--jobs": jobs = positive(value, option)
            case "--count": count = positive(value, option)
            case "--executable": executable = value
            default: fail("unknown option \(option)")
            }
        }
    }

    private func positive(_ value: String, _ option: String) -> Int {
        guard let number = Int(value), number > 0 else { fail("\(option) needs a positive number, not '\(value)'") }
        return number
    }
}

func fail(_ message: String) -> Never {
    let line = Array("SubprocessPeer: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(2)
}

/// Runs job `index` and says whether it exited 0.
@Sendable
func runJob(_ executable: Executable, _ index: Int) async throws -> Bool {
    let result = try await run(executable, arguments: [String(index)], output: .discarded, error: .discarded)
    return result.terminationStatus.isSuccess
}

@main
enum SubprocessPeer {
    static func main() async {
        do {
            try await measure()
        } catch {
            fail("\(error)")
        }
    }

    static func measure() async throws {
        let options = PeerOptions(CommandLine.arguments.dropFirst())
        let executable: Executable =
            options.byName
            ? .name(options.executable)
            : .path(try await Executable.name(options.executable).resolveExecutablePath(in: .inherit))
        let clock = ContinuousClock()
        let start = clock.now
        let failed = try await withThrowingTaskGroup(of: Bool.self) { group in
            var failed = 0
            var next = 1
            while next <= min(options.jobs, options.count) {
                group.addTask { [next] in try await runJob(executable, next) }
                next += 1
            }
            while let succeeded = try await group.next() {
                if !succeeded { failed += 1 }
                if next <= options.count {
                    group.addTask { [next] in try await runJob(executable, next) }
                    next += 1
                }
            }
            return failed
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        if failed > 0 { fail("\(failed) of \(options.count) jobs failed") }
        // speedup and efficiency are against a baseline row that compare-run-library.sh measures: null here.
        print(
            "{\"workload\":\"run-library\",\"variant\":\"\(options.byName ? "swift-subprocess-by-name" : "swift-subprocess")\",\"workers\":\(options.jobs),"
                + "\"items\":\(options.count),\"seconds\":\(seconds),\"speedup\":null,\"efficiency\":null,"
                + "\"items_per_second\":\(Double(options.count) / seconds)}")
    }
}
