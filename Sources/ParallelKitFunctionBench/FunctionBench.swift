// The per-call cost of a task declared as a function (`@WorkerFunction`) against the same task
// written as a `WorkerTask` type, in one run, rounds alternating which form goes first.
//
//   swift run -c release ParallelKitFunctionBench [--rounds N] [--quick]
//
// Prints JSON lines with the keys of `parallelkit bench --json` (workload, variant, workers,
// items, seconds, speedup, efficiency, items_per_second): one per form and round (with `round`),
// then one per form and workload with the median over the rounds as `seconds` and the minimum as
// `min_seconds`, `speedup` being the type form's median over the row's. Workloads:
// `apply-roundtrip` (the median of 2000 `apply` calls of a no-op on one Int) and `squares`
// (seed 000: 10,000,000 Ints squared through `map`). `parallelkit bench` cannot run these rows:
// the CLI does not depend on ParallelKitMacros, so that its build never needs swift-syntax.
import ParallelKitMacros

/// Returns its input, as a type.
struct NoOpTask: WorkerTask {
    static func run(_ input: Int) -> Int { input }
}

/// Seed 000's square, as a type.
struct SquareTask: WorkerTask {
    static func run(_ input: Int) -> Int { input &* input }
}

/// Returns its input, as a function.
@WorkerFunction
func noOp(_ input: Int) -> Int { input }

/// Seed 000's square, as a function.
@WorkerFunction
func square(_ input: Int) -> Int { input &* input }

@main
enum FunctionBench {
    static func main() async throws {
        WorkerTasks.serveIfWorker(NoOpTask.self, SquareTask.self, $noOp, $square)
        let arguments = Array(CommandLine.arguments.dropFirst())
        let quick = arguments.contains("--quick")
        let rounds = arguments.firstIndex(of: "--rounds").flatMap { Int(arguments[($0 + 1) % arguments.count]) } ?? 7
        let bench = Bench(applies: quick ? 200 : 2000, numbers: Array(0..<(quick ? 100_000 : 10_000_000)))
        let pool = try await ProcessPool(workers: .all)
        let forms = [
            Form(variant: "process-pool", NoOpTask.self, SquareTask.self),
            Form(variant: "process-pool-function", $noOp, $square),
        ]
        var measured: [String: [String: [Double]]] = [:]
        for form in forms { _ = try await form.squares(pool, bench) }  // warm-up: workers started, pages touched
        for round in 0..<rounds {
            for form in round % 2 == 0 ? forms : forms.reversed() {
                let times = [
                    ("apply-roundtrip", try await form.roundtrip(pool, bench)), ("squares", try await form.squares(pool, bench)),
                ]
                for (workload, time) in times {
                    measured[workload, default: [:]][form.variant, default: []].append(time)
                    print(bench.row(workload, form.variant, pool.workerCount, seconds: time, baseline: time, ["round": Double(round)]))
                }
            }
        }
        for workload in ["apply-roundtrip", "squares"] {
            let baseline = median(measured[workload]!["process-pool"]!)
            for form in forms {
                let times = measured[workload]![form.variant]!
                let extra = ["min_seconds": times.min()!, "rounds": Double(times.count)]
                print(bench.row(workload, form.variant, pool.workerCount, seconds: median(times), baseline: baseline, extra))
            }
        }
        pool.close()
        await pool.join()
    }
}

/// The inputs of one run.
struct Bench: Sendable {
    let applies: Int
    let numbers: [Int]
    let squares: [Int]

    init(applies: Int, numbers: [Int]) {
        self.applies = applies
        self.numbers = numbers
        squares = numbers.map { $0 &* $0 }
    }

    /// A JSON line with `parallelkit bench --json`'s keys.
    func row(
        _ workload: String, _ variant: String, _ workers: Int, seconds: Double, baseline: Double,
        _ extra: [String: Double]
    ) -> String {
        let items = workload == "squares" ? numbers.count : 1
        var fields = [
            "\"workload\":\"\(workload)\"", "\"variant\":\"\(variant)\"", "\"workers\":\(workers)", "\"items\":\(items)",
            "\"seconds\":\(seconds)", "\"speedup\":\(baseline / seconds)",
            "\"efficiency\":\(baseline / seconds / Double(workers))",
        ]
        if workload == "squares" { fields.append("\"items_per_second\":\(Double(items) / seconds)") }
        fields += extra.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

/// One form of the two tasks: types, or functions' handles, through the same generic calls.
struct Form: Sendable {
    let variant: String
    let roundtrip: @Sendable (ProcessPool, Bench) async throws -> Double
    let squares: @Sendable (ProcessPool, Bench) async throws -> Double

    init<NoOp: WorkerTask, Square: WorkerTask>(variant: String, _ noOp: NoOp.Type, _ square: Square.Type)
    where NoOp.Input == Int, NoOp.Output == Int, Square.Input == Int, Square.Output == Int {
        self.variant = variant
        roundtrip = { pool, bench in
            var times: [Double] = []
            for index in 0..<bench.applies {
                let start = ContinuousClock.now
                let answer = try await pool.apply(noOp, index)
                times.append(seconds(ContinuousClock.now - start))
                precondition(answer == index, "\(variant): apply returned \(answer), not \(index)")
            }
            return median(times)
        }
        squares = { pool, bench in
            let start = ContinuousClock.now
            let outputs = try await pool.map(square, bench.numbers)
            let elapsed = seconds(ContinuousClock.now - start)
            precondition(outputs == bench.squares, "\(variant): map returned other squares")
            return elapsed
        }
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
