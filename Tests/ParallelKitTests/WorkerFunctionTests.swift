import ParallelKitSystem
import ParallelKitTestSupport
import ParallelKitTestTasks
import Testing

@_spi(Backend) @testable import ParallelKit

// Tasks declared as functions (`@WorkerFunction`, ParallelKitMacros) run through a pool of test
// workers; the functions are in Sources/ParallelKitTestTasks/WorkerFunctions.swift. The worker
// lists none of them: it finds each generated type by its name, before its first batch.
extension ProcessPoolSuites {
    @Suite("WorkerFunction") struct WorkerFunctionTests {
        @Test("zero and one parameter: apply, map, submit and stream")
        func zeroAndOneParameter() async throws {
            let pool = try await testPool()
            defer { pool.terminate() }
            #expect(try await pool.apply($theAnswer, .init()) == 42)
            #expect(try await pool.map($theAnswer, Array(repeating: .init(), count: 3)) == [42, 42, 42])
            let numbers = Array(-50..<1_000)
            // One parameter: the inputs are the Ints themselves.
            #expect(try await pool.map($cube, numbers, chunking: .fixed(64)) == numbers.map { $0 * $0 * $0 })
            #expect(try await pool.submit($cube, 3).value == 27)
            var streamed: [Int] = []
            for try await value in pool.stream($cube, 0..<10) { streamed.append(value) }
            #expect(streamed == (0..<10).map { $0 * $0 * $0 })
            #expect(cube_WorkerTask.Input.self == Int.self)
        }

        @Test("three parameters: seed 004's howmany_within_range, labelled, unlabelled and as starmap")
        func threeParameters() async throws {
            let pool = try await testPool()
            defer { pool.terminate() }
            #expect(try await pool.apply($howManyWithinRange, .init(row: [1, 4, 5, 8, 9], minimum: 4, maximum: 8)) == 3)
            #expect(try await pool.apply($howManyWithinRange, .init([1, 4, 5, 8, 9], 5, 9)) == 3)
            let rows = (0..<2_000).map { i in (0..<5).map { (i * 7 + $0 * 3) % 10 } }
            let counts = try await pool.map($howManyWithinRange, rows.map { .init(row: $0, minimum: 4, maximum: 8) })
            #expect(counts == rows.map { row in row.filter { (4...8).contains($0) }.count })
        }

        @Test("five parameters of five types, a default value and a label of its own")
        func fiveParameters() async throws {
            let pool = try await testPool()
            defer { pool.terminate() }
            let inputs: [describeReading_WorkerTask.Input] = [
                .init(station: "north", celsius: 21.5, samples: [1, 2, 3], withNote: "ok"),
                .init(station: "south", celsius: -3, samples: [], isCalibrated: false, withNote: nil),
                .init("east", 0.25, [4], true, nil),
            ]
            let expected = inputs.map {
                describeReading(
                    station: $0.station, celsius: $0.celsius, samples: $0.samples, isCalibrated: $0.isCalibrated,
                    withNote: $0.note)
            }
            #expect(try await pool.map($describeReading, inputs) == expected)
            #expect(expected[1] == "south -3.0 mean=0.0 n=0 calibrated=false -")
        }

        @Test("a Void function: NoOutput for each call, once its work is done")
        func voidResult() async throws {
            let pool = try await testPool()
            defer { pool.terminate() }
            let path = "/tmp/parallelkit-worker-function-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
            defer { unlink(path) }
            let lines = (0..<20).map { "line \($0)" }
            let outputs = try await pool.map($appendLine, lines.map { .init($0, toFile: path) }, chunking: .fixed(3))
            #expect(outputs == Array(repeating: NoOutput(), count: lines.count))
            let written = try #require(SmallFile.text(path))
            #expect(Set(written.split(separator: "\n").map(String.init)) == Set(lines))
            #expect(try await pool.apply($appendLine, .init("last", toFile: path)) == NoOutput())
        }

        @Test("throws and throws(E): the error arrives as .taskFailed naming the remote error and the call's index")
        func throwingFunctions() async throws {
            let pool = try await testPool()
            defer { pool.terminate() }
            #expect(try await pool.map($halve, [2, 4, 6]) == [1, 2, 3])
            await #expect {
                _ = try await pool.map($halve, [2, 4, 6, 7, 8], chunking: .fixed(2))
            } throws: { error in
                isOddInputFailure(error, index: 3, value: 7)
            }
            #expect(try await pool.apply($halveBoth, .init(8, 6)) == [4, 3])
            await #expect {
                _ = try await pool.apply($halveBoth, .init(8, 5))
            } throws: { error in
                isOddInputFailure(error, index: 0, value: 5)
            }
            // The pool goes on after a task threw.
            #expect(try await pool.apply($cube, 2) == 8)
        }

        @Test("async and async throws functions, and a static member named Type.function")
        func asyncAndStatic() async throws {
            let pool = try await testPool()
            defer { pool.terminate() }
            let inputs = (0..<8).map { echoLater_WorkerTask.Input($0, milliseconds: 5) }
            #expect(try await pool.map($echoLater, inputs, chunking: .fixed(1)) == Array(0..<8))
            #expect(try await pool.apply($halveLater, 10) == 5)
            await #expect {
                _ = try await pool.apply($halveLater, 9)
            } throws: { error in
                isOddInputFailure(error, index: 0, value: 9)
            }
            #expect(try await pool.map(Statistics.$mean, [[1, 2, 3], [], [10]]) == [2, 0, 10])
            #expect(Statistics.mean_WorkerTask.name == "Statistics.mean")
            #expect($howManyWithinRange.name == "howManyWithinRange")
        }
    }
}

/// Whether `error` is a `.taskFailed` for the call at `index`, from `OddInputError(value)`.
private func isOddInputFailure(_ error: any Error, index: Int, value: Int) -> Bool {
    guard let failure = error as? BackendError, failure.code == .taskFailed, let remote = failure.taskError else {
        return false
    }
    return failure.taskIndex == index && remote.typeName.hasSuffix("OddInputError")
        && remote.message == "odd input \(value)"
}
