import Foundation
import ParallelKit
import ParallelKitTabular
import ParallelKitTestTasks
import Testing

/// CSVRowTask.swift: a CSV apply whose row function runs in worker processes, a chunk a message.
extension ProcessPoolSuites.TabularProcessTests {
    static let taskBackends: [Parallel.Backend] = [.processes(worker: testWorker), .threads, .serial]

    @Test("a CSVRowTask's output equals the closure's, in input order, on processes too", arguments: taskBackends)
    func rowTask(backend: Parallel.Backend) async throws {
        try await CSVApplyTests.inDirectory { directory in
            try CSVApplyTests.write(CSVApplyTests.input, "\(directory)/in.csv")
            for chunkBytes in [64, 1000, 1 << 20] {
                let rows = try await Parallel(jobs: 2, backend: backend).mapCSVRows(
                    CSVTotalTask.self, from: "\(directory)/in.csv", to: "\(directory)/out.csv",
                    header: ["id", "total", "name"], chunkBytes: chunkBytes, maxBuffered: 3)
                #expect(rows == 300)
                #expect(try CSVApplyTests.read("\(directory)/out.csv") == CSVApplyTests.expected(), "chunks of \(chunkBytes)")
                #expect(try CSVApplyTests.files(directory) == ["in.csv", "out.csv"])
            }
        }
    }

    @Test("a row that throws in a worker, and a malformed file, give their line and leave no output file")
    func rowTaskErrors() async throws {
        let processes = Parallel(jobs: 2, backend: .processes(worker: testWorker))
        try await CSVApplyTests.inDirectory { directory in
            try CSVApplyTests.write(CSVApplyTests.input, "\(directory)/in.csv")
            await #expect {
                _ = try await processes.mapCSVRows(
                    CSVFailingRowTask.self, from: "\(directory)/in.csv", to: "\(directory)/out.csv", chunkBytes: 256)
            } throws: { error in
                guard let error = error as? CSVError, case .rowFailed(let why) = error.code else { return false }
                return error.line == CSVApplyTests.line(ofRow: 150) && why.contains("row 150 refused")
                    && error.path == "\(directory)/in.csv"
            }
            #expect(try CSVApplyTests.files(directory) == ["in.csv"])
            try CSVApplyTests.write("id,name,a,b\n1,x,2,3\n2,\"open,4,5\n", "\(directory)/bad.csv")
            await #expect {
                _ = try await processes.mapCSVRows(CSVTotalTask.self, from: "\(directory)/bad.csv", to: "\(directory)/out.csv")
            } throws: { error in
                (error as? CSVError)?.code == .unterminatedQuote && (error as? CSVError)?.line == 3
            }
            #expect(try CSVApplyTests.files(directory) == ["bad.csv", "in.csv"])
            await #expect {
                _ = try await processes.mapCSVRows(
                    CSVDyingRowTask.self, from: "\(directory)/in.csv", to: "\(directory)/out.csv", chunkBytes: 256)
            } throws: { error in
                guard let error = error as? CSVError, case .rowFailed(let why) = error.code else { return false }
                return why.contains("exited with status 9")
            }
            #expect(try CSVApplyTests.files(directory) == ["bad.csv", "in.csv"])
        }
    }
}
