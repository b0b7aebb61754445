// Tasks declared as functions with `@WorkerFunction`, for WorkerFunctionTests: zero, one, three
// and five parameters, a Void result, throwing, typed-throwing, async and static ones. None is in
// `allTestTasks`: the test worker finds the generated types by their names, as a user's would.
import ParallelKitMacros

import ParallelKitSystem

/// No parameter.
@WorkerFunction
public func theAnswer() -> Int { 42 }

/// One parameter: the input is the `Int` itself.
@WorkerFunction
public func cube(_ n: Int) -> Int { n &* n &* n }

/// Seed 004's `howmany_within_range(row, minimum, maximum)`: three parameters.
@WorkerFunction
public func howManyWithinRange(row: [Int], minimum: Int, maximum: Int) -> Int {
    var count = 0
    for value in row where minimum <= value && value <= maximum { count += 1 }
    return count
}

/// Five parameters of five types, one with a default value and one with a label of its own.
@WorkerFunction
public func describeReading(
    station: String, celsius: Double, samples: [Double], isCalibrated: Bool = true, withNote note: String?
) -> String {
    let mean = samples.isEmpty ? 0 : samples.reduce(0, +) / Double(samples.count)
    return "\(station) \(celsius) mean=\(mean) n=\(samples.count) calibrated=\(isCalibrated) \(note ?? "-")"
}

/// Returns nothing: appends `line` and a newline to the file at `path`.
@WorkerFunction
public func appendLine(_ line: String, toFile path: String) throws {
    guard let file = fopen(path, "a") else { throw FileAppendError(path: path) }
    defer { fclose(file) }
    guard fputs(line + "\n", file) >= 0 else { throw FileAppendError(path: path) }
}

/// The file ``appendLine(_:toFile:)`` could not write.
public struct FileAppendError: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "cannot append to \(path)" }
}

/// Throws ``OddInputError`` for an odd number.
@WorkerFunction
public func halve(_ n: Int) throws -> Int {
    if n % 2 != 0 { throw OddInputError(value: n) }
    return n / 2
}

/// Typed throws, and no labels: `throws(OddInputError)`.
@WorkerFunction
public func halveBoth(_ a: Int, _ b: Int) throws(OddInputError) -> [Int] {
    if a % 2 != 0 { throw OddInputError(value: a) }
    if b % 2 != 0 { throw OddInputError(value: b) }
    return [a / 2, b / 2]
}

/// Async: sleeps `milliseconds`, then returns `value`.
@WorkerFunction
public func echoLater(_ value: Int, milliseconds: Int) async -> Int {
    try? await Task.sleep(for: .milliseconds(milliseconds))
    return value
}

/// Async and throwing: like ``halve(_:)`` after a yield.
@WorkerFunction
public func halveLater(_ n: Int) async throws -> Int {
    await Task.yield()
    return try halve(n)
}

/// Static members are tasks too, named `Statistics.mean`.
public enum Statistics {
    @WorkerFunction
    public static func mean(of values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}
