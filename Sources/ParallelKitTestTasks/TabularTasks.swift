// Seed 004's DataFrame functions as worker tasks, for the tabular operations on processes.
import ParallelKit
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
