import ArgumentParser
import ParallelKit

/// `parallelkit bench --plot`: each chosen workload's parallel variant timed against its serial
/// baseline with 1, 2, … workers up to twice the usable cores (past them, oversubscription), the
/// two interleaved at each count; the speedups become one series of a ``SpeedupPlot`` each.
enum SpeedupSweep {
    /// What `--plot` draws without `--workload`: a costly map, an imbalanced one, and seed 004's
    /// rows (outputs under the 8 MiB at which `parallelMap` asks for huge pages, which would make
    /// even one worker faster than the serial loop).
    static let defaultWorkloads = [CostlyMap.name, Imbalanced.name, CountInRange.name]

    /// 1 up to twice the usable cores.
    static func workerCounts(cores: Int) -> [Int] { Array(1...(2 * max(1, cores))) }

    /// Measures every entry at every worker count, prints the variant's rows through `report`,
    /// and returns the series. `variant` names the variant to sweep; by default the first one that
    /// runs on the workers asked for and has its baseline among the cases (`parallelMap` for the maps).
    static func run(
        _ entries: [(name: String, make: @Sendable (Bool, Workers) -> [BenchCase])], quick: Bool, variant: String?,
        repetitions: Int?, cores: Int, report: BenchReport, progress: ProgressBar
    ) async throws -> [SpeedupPlot.Series] {
        let counts = workerCounts(cores: cores)
        var series: [SpeedupPlot.Series] = []
        for entry in entries {
            progress.setLabel(entry.name)
            var chosen = variant
            var points: [(workers: Int, speedup: Double)] = []
            var rows: [BenchRow] = []
            // The largest count first: there a variant that follows the count is told apart from
            // one of a fixed size and from the serial loop.
            for workers in counts.reversed() {
                let cases = entry.make(quick, .count(workers))
                if chosen == nil { chosen = sweptVariant(cases, workers: workers) }
                guard let name = chosen, let swept = cases.first(where: { $0.label.variant == name }),
                    let baseline = cases.first(where: { $0.label.variant == swept.baseline }), swept.baseline != name
                else {
                    throw ValidationError(
                        "--plot: workload \(entry.name) has no variant\(variant.map { " \($0)" } ?? "") that runs on the workers asked for, with a serial baseline")
                }
                let measured = try await BenchCommand.measure([baseline, swept], repetitions: repetitions, progress: progress)
                rows.insert(measured[1], at: 0)
                points.insert((workers, measured[1].speedup), at: 0)
            }
            progress.clear()
            report.printWorkload(entry.name, summary: "speedup of \(chosen ?? "") over its baseline by workers")
            for row in rows { report.print(row) }
            series.append(SpeedupPlot.Series(workload: entry.name, variant: chosen ?? "", points: points))
            progress.finished()
        }
        return series
    }

    /// The first case that runs on `workers` and is measured against another case of the list.
    static func sweptVariant(_ cases: [BenchCase], workers: Int) -> String? {
        cases.first { candidate in
            candidate.label.workers == workers && candidate.baseline != candidate.label.variant
                && cases.contains { $0.label.variant == candidate.baseline }
        }?.label.variant
    }
}
