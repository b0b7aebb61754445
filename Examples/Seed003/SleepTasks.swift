import ParallelKitMacros

#if canImport(Glibc)
    import Glibc
#endif

/// The seed's sleeps, a tenth as long so that the example stays quick.
let timeScale = 0.1

/// Seed 003's `my_awesome_function(sleepTime)`: sleeps, returns "Slept for … seconds".
func myAwesomeFunction(_ sleepTime: Double) -> String {
    usleep(UInt32(sleepTime * timeScale * 1_000_000))
    return "Slept for \(sleepTime) seconds"
}

/// The process version: prints when done, as the seed's does.
@WorkerFunction
func sleepAndSay(_ sleepTime: Double) {
    usleep(UInt32(sleepTime * timeScale * 1_000_000))
    print("Function with sleep time \(sleepTime) seconds finished")
    fflush(nil)  // every stream: a worker's stdout is the program's, the line shows before the worker ends
}

/// The ProcessPoolExecutor version: sleeps, returns `sleepTime ** 2`.
@WorkerFunction
func sleepAndSquare(_ sleepTime: Double) -> Double {
    usleep(UInt32(sleepTime * timeScale * 1_000_000))
    return sleepTime * sleepTime
}

/// How long `function_to_test` sleeps: 2 ms, not the seed's 0.1 s (300 calls: 0.6 s serially).
let functionToTestSleep = 0.002

/// Seed 003's joblib `function_to_test(i, j)`: sleeps, returns `sqrt(i²) + sqrt(j²)`.
@WorkerFunction
func functionToTest(i: Int, j: Int) -> Double {
    usleep(UInt32(functionToTestSleep * 1_000_000))
    return Double(i * i).squareRoot() + Double(j * j).squareRoot()
}
