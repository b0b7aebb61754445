import ParallelKit

/// Seed 004's rows through a process pool two ways: as bare `[Int]` (`map-array`) and inside a
/// three-field input struct, the shape every `starmap`-style task with several arguments takes
/// (`starmap-struct`). The ratio of the two is what a keyed struct costs on the wire.
enum StarmapBench {
    static let structRows = "starmap-struct"
    static let structRowsSummary = "seed 004's 200,000 rows as a struct {row, minimum, maximum} through a ProcessPool"
    static let arrayRows = "map-array"
    static let arrayRowsSummary = "the same 200,000 rows as [Int] through a ProcessPool"

    static func structCases(quick: Bool, workers: Workers) -> [BenchCase] {
        let rows = CountInRange.makeInput(quick: quick)
        let input = rows.map { RangeCountInput(row: $0, minimum: 4, maximum: 8) }
        let expected = rows.map { CountInRange.apply($0) }
        return [ProcessPoolBench.mapCase(StarmapCountTask.self, workload: structRows, input: input, expected: expected, workers: workers)]
    }

    static func arrayCases(quick: Bool, workers: Workers) -> [BenchCase] {
        let rows = CountInRange.makeInput(quick: quick)
        let expected = rows.map { CountInRange.apply($0) }
        return [ProcessPoolBench.mapCase(CountInRangeMapTask.self, workload: arrayRows, input: rows, expected: expected, workers: workers)]
    }
}

/// The arguments of Python's `howmany_within_range(row, minimum, maximum)`.
struct RangeCountInput: Codable, Sendable {
    var row: [Int]
    var minimum: Int
    var maximum: Int
}

/// The conformance `@WireFields` (ParallelKitMacros) generates for `RangeCountInput`, spelled
/// out because this target does not build swift-syntax (`WireFieldsMacroTests` shows the
/// expansion of the same struct). It is what an `@WorkerFunction` of three parameters sends.
extension RangeCountInput: WireFields {
    func writeWireFields(to writer: inout WireFieldWriter) throws(EncodingError) {
        try writer.write(row, forKey: "row")
        try writer.write(minimum, forKey: "minimum")
        try writer.write(maximum, forKey: "maximum")
    }

    init(wireFields reader: inout WireFieldReader) throws(DecodingError) {
        row = try reader.read([Int].self, forKey: "row")
        minimum = try reader.read(Int.self, forKey: "minimum")
        maximum = try reader.read(Int.self, forKey: "maximum")
    }
}

/// `starmap(howmany_within_range, [(row, 4, 8) for row in data])`, through a process pool.
struct StarmapCountTask: WorkerTask {
    static func run(_ input: RangeCountInput) -> Int {
        var count = 0
        for value in input.row where input.minimum <= value && value <= input.maximum { count += 1 }
        return count
    }
}
