#if MPI
import Glibc
import ParallelKit
import ParallelKitMPI
import Synchronization

struct Square: WorkerTask {
    static func run(_ input: Int) -> Int { input * input }
}

struct SevenError: Error, CustomStringConvertible {
    var value: Int
    var description: String { "seven is not allowed (got \(value))" }
}

struct FailOnSeven: WorkerTask {
    static func run(_ input: Int) throws(SevenError) -> Int {
        if input == 7 { throw SevenError(value: input) }
        return input + 1
    }
}

/// Suspends on its worker rank (its batch runs as a task on the rank's MPI thread) and resumes there.
struct SleepThenSquare: WorkerTask {
    static func run(_ input: Int) async throws -> Int {
        try await Task.sleep(for: .microseconds(200))
        return input * input
    }
}

/// Counts a call's progress events, and cancels `task` once `cancelAfter` items have finished.
final class Tally: ProgressSink, Sendable {
    let counts = Mutex((total: 0, started: 0, finished: 0, other: 0))
    let cancelAfter: Int
    let task = Mutex<Task<[Int], any Error>?>(nil)

    init(cancelAfter: Int = .max) { self.cancelAfter = cancelAfter }

    func report(_ event: ProgressEvent) {
        let cancel = counts.withLock { counts -> Bool in
            switch event {
            case .total(let count): counts.total += count
            case .started(let count): counts.started += count
            case .finished(let count): counts.finished += count
            case .failed(let count), .skipped(let count), .cached(let count): counts.other += count
            }
            return counts.finished >= cancelAfter
        }
        if cancel { task.withLock { $0 }?.cancel() }
    }
}

/// An output over Open MPI's eager limit: its answer crosses only once rank 0 takes it in.
struct LargeOutput: WorkerTask {
    static func run(_ input: Int) -> [Int] { Array(repeating: input, count: 20_000) }
}

/// Kills its own rank, as a crash would: the job must end, naming the rank and its host.
struct KillRank: WorkerTask {
    static func run(_ input: Int) -> Int {
        _ = kill(getpid(), SIGKILL)
        return input
    }
}

/// Rank 0's checks: one line each, `ok NAME` or `FAIL NAME: why`.
enum MPIRunner {
    static func main() {
        WorkerTasks.serveIfWorker()
        MPIBackend.register()
        let mode = CommandLine.arguments.dropFirst().first ?? "pool"
        let done = Future<Void, Never>.detached {
            switch mode {
            case "kill": await kill()
            case "singleton": await singleton()
            case "exit-early": await exitEarly()
            default: await pool()
            }
        }
        try? done.wait()
    }

    static func check(_ name: String, _ passed: Bool, _ detail: @autoclosure () -> String = "") {
        print(passed ? "ok \(name)" : "FAIL \(name): \(detail())")
    }

    static func pool() async {
        let pool: MPIPool
        do {
            pool = try await MPIPool()
        } catch {
            return print("FAIL pool: \(error)")
        }
        let inputs = Array(0..<1_000)
        let serial = inputs.map(Square.run)
        print("ranks \(pool.workerCount + 1) host \(pool.host)")
        do {
            let adaptive = try await pool.map(Square.self, inputs)
            check("map", adaptive == serial, "\(adaptive.prefix(8))")
            let fixed = try await pool.map(Square.self, inputs, chunking: .fixed(1))
            check("map-fixed-1", fixed == serial)
            let chunked = try await pool.map(Square.self, inputs, chunking: .fixed(64))
            check("map-fixed-64", chunked == serial)
            check("map-empty", try await pool.map(Square.self, [Int]()).isEmpty)
            // 8 MB of outputs: the result array asks for huge pages.
            let many = Array(0..<1_000_000)
            check("map-large", try await pool.map(Square.self, many, chunking: .fixed(1_000)) == many.map { $0 * $0 })
            let tally = Tally()
            let reported = try await pool.map(Square.self, inputs, chunking: .fixed(10), progress: tally)
            let counts = tally.counts.withLock { $0 }
            check(
                "map-progress", reported == serial && counts.total == 1_000 && counts.started == 1_000
                    && counts.finished == 1_000 && counts.other == 0, "\(counts)")
            let suspending = try await pool.map(SleepThenSquare.self, Array(0..<50), chunking: .fixed(2))
            check("map-async-task", suspending == Array(serial.prefix(50)))
            await cancelling(pool, serial)
            var streamed: [Int] = []
            for try await value in pool.stream(Square.self, inputs, chunking: .fixed(7), maxBuffered: 50) {
                streamed.append(value)
            }
            check("stream", streamed == serial)
            var adaptiveStream: [Int] = []
            for try await value in pool.stream(Square.self, inputs) { adaptiveStream.append(value) }
            check("stream-adaptive", adaptiveStream == serial)
            var unordered: [Int: Int] = [:]
            for try await (index, value) in pool.streamUnordered(Square.self, inputs, chunking: .fixed(5)) {
                unordered[index] = value
            }
            check("streamUnordered", unordered.count == inputs.count && inputs.allSatisfy { unordered[$0] == serial[$0] })
            check("apply", try await pool.apply(Square.self, 12) == 144)
            let futures = try (0..<20).map { try pool.submit(Square.self, $0) }
            var submitted: [Int] = []
            for future in futures { submitted.append(try await future.value) }
            check("submit", submitted == Array(serial.prefix(20)))
            let all = try pool.submitMap(Square.self, inputs)
            check("submitMap", try await all.value == serial)
            let viaBackend = try await Parallel(backend: .named("mpi")).map(Square.self, inputs)
            check("parallel-backend", viaBackend == serial)
            let onPool = try await inputs.parallelMap(Square.self, on: pool)
            check("parallelMap-on-pool", onPool == serial)
            let workers = await pool.workers
            print("worker hosts \(Set(workers.values.map(\.host)).sorted().joined(separator: " "))")
            check("workers", workers.count == pool.workerCount && workers.values.allSatisfy { !$0.host.isEmpty }, "\(workers)")
        } catch {
            print("FAIL unexpected: \(error)")
        }
        await throwing(pool)
        print("done")
    }

    /// A map cancelled while it runs stops sending, throws `cancelled`, and leaves the pool working.
    static func cancelling(_ pool: MPIPool, _ serial: [Int]) async {
        let tally = Tally(cancelAfter: 20)
        let task = Task { try await pool.map(SleepThenSquare.self, Array(0..<100_000), chunking: .fixed(1), progress: tally) }
        tally.task.withLock { $0 = task }
        if tally.counts.withLock({ $0.finished >= 20 }) { task.cancel() }
        do {
            _ = try await task.value
            check("map-cancel", false, "no error")
        } catch let error as BackendError {
            let counts = tally.counts.withLock { $0 }
            check(
                "map-cancel", error.code == .cancelled && counts.finished < 100_000
                    && counts.finished + counts.other == 100_000, "\(error) \(counts)")
        } catch {
            check("map-cancel", false, "\(error)")
        }
        let after = try? await pool.map(Square.self, Array(0..<100), chunking: .fixed(1))
        check("after-cancel", after == Array(serial.prefix(100)), "\(String(describing: after))")
    }

    /// A task that throws on a rank returns its error; the job goes on.
    static func throwing(_ pool: MPIPool) async {
        do {
            _ = try await pool.map(FailOnSeven.self, Array(0..<100), chunking: .fixed(3))
            check("throws-map", false, "no error")
        } catch {
            check(
                "throws-map", error.code == .taskFailed && error.taskIndex == 7
                    && error.taskError?.typeName.hasSuffix("SevenError") == true
                    && error.taskError?.message == "seven is not allowed (got 7)", "\(error)")
        }
        do {
            _ = try await pool.apply(FailOnSeven.self, 7)
            check("throws-apply", false, "no error")
        } catch {
            check("throws-apply", error.code == .taskFailed && error.taskIndex == 0, "\(error)")
        }
        do {
            var seen = 0
            for try await _ in pool.stream(FailOnSeven.self, 0..<20, chunking: .fixed(1)) { seen += 1 }
            check("throws-stream", false, "no error")
        } catch {
            check("throws-stream", error.code == .taskFailed && error.taskIndex == 7, "\(error)")
        }
        let after = try? await pool.map(FailOnSeven.self, Array(0..<7))
        check("after-throw", after == Array(1...7), "\(String(describing: after))")
    }

    static func kill() async {
        do {
            let pool = try await MPIPool()
            print("killing a worker rank", pool.workerCount)
            _ = try await pool.apply(KillRank.self, 1)
            print("FAIL kill: the job went on")
        } catch {
            print("FAIL kill: \(error)")
        }
    }

    /// Leaves a stream of large outputs after its first and exits: the worker ranks still have
    /// answers on their way that rank 0 will never take in, and must stop all the same.
    static func exitEarly() async {
        do {
            let pool = try await MPIPool()
            for try await first in pool.stream(LargeOutput.self, 0..<100, chunking: .fixed(1)) {
                check("exit-early", first == Array(repeating: 0, count: 20_000))
                break
            }
        } catch {
            print("FAIL exit-early: \(error)")
        }
        print("done")
    }

    static func singleton() async {
        do {
            _ = try await MPIPool()
            print("FAIL singleton: a pool without worker ranks")
        } catch {
            check("singleton", error.code == .unsupported && error.detail?.contains("mpirun -np") == true, "\(error)")
            print("message: \(error)")
        }
    }
}

extension Future where Failure == Never, Value == Void {
    /// Runs `body` on the cooperative pool; the main thread waits on the future.
    static func detached(_ body: @escaping @Sendable () async -> Void) -> Future {
        let future = Future<Void, Never>.pending()
        Task.detached {
            await body()
            future.complete(.success(()))
        }
        return future
    }
}
#endif
