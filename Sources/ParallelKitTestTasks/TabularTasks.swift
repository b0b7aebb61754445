// Seed 004's DataFrame functions as worker tasks, for the tabular operations on processes.
import ParallelKit
import ParallelKitSystem
import ParallelKitTabular

/// Seed 004's `hypotenuse(row)`: `round(a² + b², 2) ** 0.5` of a row's two cells.
public struct HypotenuseTask: WorkerTask {
    public static func run(_ cells: [Value]) -> Double {
        let a = cells[0].double ?? 0
        let b = cells[1].double ?? 0
        return (a * a + b * b).squareRoot()
    }
}

/// Seed 004's `sum_of_squares(column)`.
public struct SumOfSquaresTask: WorkerTask {
    public static func run(_ column: Column) -> Double {
        (column.doubles ?? []).reduce(0) { $0 + $1 * $1 }
    }
}

/// Seed 004's `func(df)`: `df.shape`.
public struct ShapeTask: WorkerTask {
    public static func run(_ part: Table) -> [Int] { [part.shape.rows, part.shape.columns] }
}

/// `CSVApplyTests.input`'s row function as a ``CSVRowTask``: the id, `a + b`, the quoted name.
public struct CSVTotalTask: CSVRowTask {
    public static func transform(_ record: CSVRecord) throws -> [String] {
        [try record.string(0), String(try record.double(2) + Double(try record.int(3))), try record.string(1)]
    }
}

/// A row task whose worker process dies (exit status 9) on the row whose id is 150.
public struct CSVDyingRowTask: CSVRowTask {
    public static func transform(_ record: CSVRecord) throws -> [String] {
        if try record.int(0) == 150 { exit(9) }
        return [try record.string(0)]
    }
}

/// A row task that throws on the row whose id is 150.
public struct CSVFailingRowTask: CSVRowTask {
    public struct Refused: Error, CustomStringConvertible {
        public var description: String { "row 150 refused" }
    }

    public static func transform(_ record: CSVRecord) throws -> [String] {
        if try record.int(0) == 150 { throw Refused() }
        return [try record.string(0)]
    }
}
