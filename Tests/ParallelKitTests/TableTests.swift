import ParallelKit
import ParallelKitTestTasks
import Testing

@testable import ParallelKitTabular

@Suite("Table")
struct TableTests {
    static let backends: [Parallel.Backend] = [.serial, .threads, .threadPool]

    /// 1,003 rows of an int, a double and a string column.
    static let table = Table(
        names: ["id", "price", "name"],
        columns: [
            .int(Array(0..<1003)), .double((0..<1003).map { Double($0) / 8 }), .string((0..<1003).map { "item \($0)" }),
        ])

    @Test("shape, a row's cells, a column by name, a slice")
    func basics() {
        #expect(Self.table.shape == (rows: 1003, columns: 3))
        #expect(Self.table[row: 9] == [.int(9), .double(1.125), .string("item 9")])
        #expect(Self.table.column(named: "id")?.count == 1003)
        #expect(Self.table.column(named: "missing") == nil)
        #expect(Self.table.rows(10..<12).shape == (rows: 2, columns: 3))
        #expect(Table(rows: [[1.5, 2], [3, 4]]).columns == [.double([1.5, 3]), .double([2, 4])])
    }

    @Test("row-wise results equal a serial loop's", arguments: backends)
    func rows(backend: Parallel.Backend) async throws {
        let parallel = try await Parallel(jobs: 2, backend: backend).mapRows(Self.table) { row in
            "\(row.int(0)):\(row.double(1) * 2):\(row.string(2)):\(row.index):\(row.values.count)"
        }
        var serial: [String] = []
        for index in 0..<Self.table.rowCount {
            let cells = Self.table[row: index]
            serial.append("\(cells[0].int!):\(cells[1].double! * 2):\(cells[2]):\(index):3")
        }
        #expect(parallel == serial)
    }

    @Test("column-wise results equal a serial loop's", arguments: backends)
    func columns(backend: Parallel.Backend) async throws {
        let parallel = try await Parallel(jobs: 2, backend: backend).mapColumns(Self.table) { name, column in
            "\(name) \(column.type) \(column.count) \(column[5])"
        }
        let serial = zip(Self.table.columnNames, Self.table.columns).map { "\($0) \($1.type) \($1.count) \($1[5])" }
        #expect(parallel == serial)
    }

    @Test("partition-wise results equal a serial loop's for 1 to 9 parts, and concatenated give the table back",
          arguments: backends)
    func partitions(backend: Parallel.Backend) async throws {
        for parts in 1...9 {
            let pieces = Self.table.partitioned(into: parts)
            let parallel = try await Parallel(jobs: 2, backend: backend).mapPartitions(Self.table, into: parts) { part in
                part.column(named: "price")!.doubles!.reduce(0, +)
            }
            #expect(parallel == pieces.map { $0.column(named: "price")!.doubles!.reduce(0, +) })
            #expect(pieces.map(\.rowCount) == (0..<1003).partitioned(into: parts).map(\.count))
            #expect(Table(concatenating: pieces) == Self.table)
        }
    }

    @Test("a row function's error ends the call as taskFailed, naming the row")
    func rowError() async throws {
        struct Bad: Error {}
        let error = await #expect(throws: BackendError.self) {
            _ = try await Parallel(jobs: 2).mapRows(Self.table) { row in
                if row.index == 700 { throw Bad() }
                return row.index
            }
        }
        #expect(error?.code == .taskFailed)
        #expect(error?.taskIndex == 700)
    }

    @Test("an empty table maps to nothing")
    func empty() async throws {
        let empty = Table(names: ["a"], columns: [.int([])])
        #expect(try await Parallel(jobs: 2).mapRows(empty) { $0.int(0) } == [])
        #expect(empty.partitioned(into: 3).map(\.rowCount) == [0, 0, 0])
    }
}

extension ProcessPoolSuites.TabularProcessTests {
    @Test("rows, columns and partitions through worker tasks on processes equal the closures' results")
    func onProcesses() async throws {
        let frame = Table(rows: [[8, 5], [5, 3], [3, 4], [4, 4], [7, 9]])
        let processes = Parallel(jobs: 2, backend: .processes(worker: testWorker))
        let lengths = try await processes.mapRows(HypotenuseTask.self, frame)
        #expect(lengths.map { ($0 * 100).rounded() / 100 } == [9.43, 5.83, 5.0, 5.66, 11.4])
        #expect(try await processes.mapColumns(SumOfSquaresTask.self, frame) == [163, 147])
        let big = Table(rows: (0..<500).map { [$0, $0 + 1] })
        #expect(try await processes.mapPartitions(ShapeTask.self, big, into: 3) == [[167, 2], [167, 2], [166, 2]])
        #expect(try await Parallel(jobs: 2).mapPartitions(ShapeTask.self, big, into: 4).concatenated() == [125, 2, 125, 2, 125, 2, 125, 2])
    }
}
