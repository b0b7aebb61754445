import ParallelKitMacros

/// Seed 000's worker function, `def square(n): return n * n`; `@WorkerFunction` adds the task
/// `$square` that worker processes run.
@WorkerFunction
func square(_ n: Int) -> Int { n * n }
