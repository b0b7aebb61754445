import ParallelKitMacros

/// Seed 001's `factorial_parallel(n)`, recursive as in the seed.
@WorkerFunction
func factorial(_ n: Int) -> Int { n == 0 ? 1 : n * factorial(n - 1) }

/// Seed 001's joblib example, `compute_something(x)`: `x**2`.
@WorkerFunction
func computeSomething(_ x: Int) -> Int { x * x }
