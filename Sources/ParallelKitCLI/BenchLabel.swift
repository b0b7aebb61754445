/// What names a `parallelkit bench` row: the columns shared by the case that runs it and the row
/// it measures.
struct BenchLabel: Sendable {
    var workload: String
    var variant: String
    var workers: Int
    /// Elements processed by one timed run.
    var items: Int
}
