import ParallelKit

/// What a progress sink costs a collection operation: `cheap-map` through `parallelMap` with and
/// without a `ProgressCounter`, in the same run. Progress comes per chunk, so the target is
/// within 2% of the call without one.
enum ProgressBench {
    static let workload = "progress-overhead"
    static let summary = "cheap-map (x*x+1 over 10,000,000 Ints) through parallelMap with a progress sink and without"

    static func cases(quick: Bool, workers: Workers) -> [BenchCase] {
        let input = CheapMap.makeInput(quick: quick)
        let expected = input.map { CheapMap.apply($0) }
        return [
            BenchCase(workload: workload, variant: "no-sink", workers: workers.count, items: input.count, baseline: "no-sink") {
                () async throws(BenchError) in
                try MapVariants.check(input.parallelMap(workers: workers) { CheapMap.apply($0) }, expected, "no-sink")
            },
            BenchCase(workload: workload, variant: "counter", workers: workers.count, items: input.count, baseline: "no-sink") {
                () async throws(BenchError) in
                let counter = ProgressCounter()
                let output = input.parallelMap(workers: workers, progress: counter) { CheapMap.apply($0) }
                try MapVariants.check(output, expected, "counter")
                guard counter.counts.finished == input.count else { throw .wrongResult(variant: "counter") }
            },
        ]
    }
}
