// The worker functions of the seeds' joblib programs, for the Parallel front door's tests and
// the joblib-30x10 benchmark.
import ParallelKitMacros

import ParallelKitSystem

/// Seed 001's `compute_something(x)`: `x**2`.
@WorkerFunction
public func computeSomething(_ x: Int) -> Int { x * x }

/// Seed 003's `function_to_test(i, j)`: sleeps (the seed's simulated computation, 10 ms here
/// instead of 100), then returns `sqrt(i²) + sqrt(j²)`.
@WorkerFunction
public func functionToTest(i: Int, j: Int, sleepMilliseconds: Int = 10) -> Double {
    usleep(UInt32(sleepMilliseconds) * 1000)
    return Double(i * i).squareRoot() + Double(j * j).squareRoot()
}
