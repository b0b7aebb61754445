import ParallelKitSystem
import ParallelKitTestTasks
import Testing

@_spi(Backend) @testable import ParallelKit

#if canImport(Glibc)
import Glibc
#endif

@Suite("SharedInputArray", .serialized)
struct SharedInputArrayTests {
    @Test("small arrays travel through the pipe, large ones by shared memory; the worker reads both")
    func smallAndLarge() async throws {
        let pool = try await testPool(workers: 1)
        defer { pool.terminate() }
        let small = try SharedInputArray((1...1000).map(Double.init))
        #expect(!small.isShared)
        #expect(try await pool.apply(SumInputTask.self, small) == InputSummary(sum: 500_500, count: 1000, isShared: false))

        let count = 300_000  // 2.4 MB, over the 1 MiB default
        var large: SharedInputArray<Double>? = try SharedInputArray(count: count) { buffer in
            for index in buffer.indices { buffer[index] = Double(index) }
        }
        #expect(large!.isShared)
        let path = large!.segmentPath!
        let target = try MemoryFile.target(of: path)
        #expect(target.hasPrefix("/memfd:parallelkit-"))
        #expect(try await pool.apply(SumInputTask.self, large!) == InputSummary(sum: Double(count * (count - 1) / 2), count: count, isShared: true))
        large = nil
        #expect((try? MemoryFile.target(of: path)) != target, "released input array still holds \(path)")

        let forced = try SharedInputArray([1.0, 2.0], sharingAbove: 0)
        #expect(forced.isShared)
        #expect(try await pool.apply(SumInputTask.self, forced) == InputSummary(sum: 3, count: 2, isShared: true))
        #expect(Array(forced) == [1, 2])
    }

    @Test("the worker's mapping is read-only: writing through a raw pointer crashes that worker (SIGSEGV), the data is intact")
    func readOnlyMapping() async throws {
        let pool = try await testPool(workers: 1)
        defer { pool.terminate() }
        let input = try SharedInputArray([1.0, 2.0, 3.0], sharingAbove: 0)
        await #expect {
            _ = try await pool.apply(WriteInputTask.self, input)
        } throws: { error in
            guard let failure = error as? BackendError, failure.code == .workerCrashed else { return false }
            return failure.status == .signaled(SIGSEGV)
        }
        #expect(Array(input) == [1, 2, 3])
        // Through the pipe the worker writes only its own copy, and survives.
        #expect(try await pool.apply(WriteInputTask.self, try SharedInputArray([1.0])) == true)
    }

    @Test("a throwing initializer leaves no segment; the wrong element type is refused on attach")
    func errors() async throws {
        await #expect(processExitsWith: .success) {
            struct Refused: Error {}
            do throws(SharedInputArrayError<Refused>) {
                _ = try SharedInputArray<Double>(count: 10, sharingAbove: 0) { _ throws(Refused) in throw Refused() }
                exit(2)
            } catch {
                guard case .initializer = error else { exit(3) }
            }
            exit(sharedSegments().isEmpty && memoryFilesOfThisProcess().isEmpty ? EXIT_SUCCESS : EXIT_FAILURE)
        }
        let doubles = try SharedInputArray([1.0, 2.0], sharingAbove: 0)
        let bytes = try WireCoder.encode(doubles)
        #expect(try WireCoder.decode(SharedInputArray<Double>.self, from: bytes).isShared)
        #expect(throws: DecodingError.self) { _ = try WireCoder.decode(SharedInputArray<Int>.self, from: bytes) }
    }
}
