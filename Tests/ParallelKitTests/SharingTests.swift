import Foundation
import ParallelKitSystem
import ParallelKitTestSupport
import ParallelKitTestTasks
import Testing

@_spi(Backend) @testable import ParallelKit

/// 300,000 elements of 8 bytes: 2.4 MB, over the 1 MiB threshold.
private let largeCount = 300_000

private func samples(_ count: Int) -> [PlainSample] {
    (0..<count).map { (index: Int) -> PlainSample in
        let weight = Double(index) / 4
        return PlainSample(id: Int32(index), weight: weight, flag: index % 3 == 0)
    }
}

// The suite is declared in TestSupport.swift, with the other suites that ProcessPoolSuites runs one at a time.
extension ProcessPoolSuites.SharingTests {
    @Test("which side a map shares: plain data of at least the threshold, never references, never with .never")
    func decisions() {
        let ints = Array(0..<largeCount)
        let both = MapTransport<SquareTask>(ints, sharing: .automatic)
        #expect(both.inputs != nil && both.outputs != nil)
        let small = MapTransport<SquareTask>(Array(0..<1000), sharing: .automatic)
        #expect(small.inputs == nil && small.outputs == nil)
        let never = MapTransport<SquareTask>(ints, sharing: .never)
        #expect(never.inputs == nil && never.outputs == nil)
        let forced = MapTransport<SquareTask>(Array(0..<10), sharing: .above(bytes: 0))
        #expect(forced.inputs != nil && forced.outputs != nil)
        // Inputs with references (arrays) are copied, and so, by default, are their plain Int
        // outputs (alone, a shared output side measured slower); a threshold shares them.
        let rowInputs = Array(repeating: CountInRangeTask.Input(row: [1, 5]), count: largeCount)
        let rows = MapTransport<CountInRangeTask>(rowInputs, sharing: .automatic)
        #expect(rows.inputs == nil && rows.outputs == nil)
        let rowsForced = MapTransport<CountInRangeTask>(rowInputs, sharing: .above(bytes: 1 << 19))
        #expect(rowsForced.inputs == nil && rowsForced.outputs != nil)
        // Plain inputs are shared; String outputs are copied.
        let texts = MapTransport<DescribeTask>(ints, sharing: .automatic)
        #expect(texts.inputs != nil && texts.outputs == nil)
        let structs = MapTransport<WeighTask>(samples(70_000), sharing: .automatic)  // 1.7 MB in, 1.1 MB out
        #expect(structs.inputs != nil && structs.outputs != nil)
        #expect(Sharing.automatic.description == ".automatic" && Sharing.never.description == ".never")
        #expect(Sharing.above(bytes: 12).description == ".above(bytes: 12)")
    }

    @Test(
        "shared maps give what copied maps give: Ints, plain structs, one side shared, below and above the threshold",
        arguments: [.adaptive, .fixed(1000)] as [Chunking])
    func sameResults(chunking: Chunking) async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        for count in [1, 1000, largeCount] {
            let ints = Array(0..<count)
            let squares = ints.map { $0 &* $0 }
            for sharing in [Sharing.automatic, .never, .above(bytes: 0)] {
                #expect(try await pool.map(SquareTask.self, ints, chunking: chunking, sharing: sharing) == squares, "\(sharing) \(count)")
            }
        }
        // 24-byte structs in, 16-byte structs out: 70,000 of them are over the threshold both ways.
        for count in [1, 1000, 70_000] {
            let structs = samples(count)
            let weighed = structs.map { WeighTask.run($0) }
            #expect(try await pool.map(WeighTask.self, structs, chunking: chunking) == weighed)
            #expect(try await pool.map(WeighTask.self, structs, chunking: chunking, sharing: .never) == weighed)
        }
        // One side shared: plain inputs with String outputs, rows of [Int] with Int outputs.
        let ints = Array(0..<2000)
        for sharing in [Sharing.above(bytes: 0), .never] {
            #expect(try await pool.map(DescribeTask.self, ints, chunking: chunking, sharing: sharing) == ints.map(String.init))
            let rows = ints.map { CountInRangeTask.Input(row: [$0 % 10, 4, 9]) }
            #expect(try await pool.map(CountInRangeTask.self, rows, chunking: chunking, sharing: sharing) == rows.map { CountInRangeTask.run($0) })
        }
    }

    @Test("the workers map the segments of a shared map, and none of a copied one")
    func workersMapTheSegments() async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        var inputs = Array(repeating: 7, count: largeCount)
        for index in stride(from: 0, to: largeCount, by: 50_000) { inputs[index] = -1 }
        let shared = try await pool.map(MappedSegmentsTask.self, inputs, chunking: .fixed(50_000))
        #expect(stride(from: 0, to: largeCount, by: 50_000).allSatisfy { shared[$0] == 2 }, "inputs and outputs mapped")
        let copied = try await pool.map(MappedSegmentsTask.self, inputs, chunking: .fixed(50_000), sharing: .never)
        #expect(stride(from: 0, to: largeCount, by: 50_000).allSatisfy { copied[$0] == 0 })
        #expect(shared.enumerated().allSatisfy { $0.offset % 50_000 == 0 || $0.element == 7 })
    }

    @Test("a throwing item fails the call with the same error and the same progress counts, shared or copied")
    func throwingItem() async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        var inputs = Array(stride(from: 0, to: 2 * largeCount, by: 2))
        let failing = largeCount - 10  // in the last batch: every other batch has started when it fails
        inputs[failing] = 7
        func failure(_ sharing: Sharing) async -> (BackendError?, ProgressCounter.Counts) {
            let counter = ProgressCounter()
            do {
                _ = try await pool.map(EvenOnlyTask.self, inputs, chunking: .fixed(50_000), sharing: sharing, progress: counter)
                return (nil, counter.counts)
            } catch {
                return (error, counter.counts)
            }
        }
        let (shared, sharedCounts) = await failure(.automatic)
        let (copied, copiedCounts) = await failure(.never)
        for error in [shared, copied] {
            #expect(error?.code == .taskFailed)
            #expect(error?.taskIndex == failing)
            #expect(error?.taskError?.typeName.hasSuffix("OddInputError") == true)
            #expect(error?.taskError?.message == "odd input 7")
        }
        #expect(sharedCounts == copiedCounts)
        // The worker runs its batch in order and stops at the throw: the items before it finished,
        // it failed, the 9 after it never ran.
        #expect(sharedCounts.finished == failing && sharedCounts.failed == 1 && sharedCounts.skipped == 9, "\(sharedCounts)")
        #expect(sharedCounts.total == largeCount && sharedCounts.ended == largeCount)
        // The pool goes on, sharing.
        #expect(try await pool.map(EvenOnlyTask.self, Array(repeating: 4, count: largeCount)) == Array(repeating: 2, count: largeCount))
    }

    @Test("a shared map leaves only the pool's two kept segments after success, none after a failure or the pool's end")
    func nothingLeft() async throws {
        let pool = try await testPool()
        _ = try await pool.map(SquareTask.self, [1, 2])  // the pool's own descriptors are open before counting
        // Pipes and pidfds (memfds are counted apart), polled: the runner's suites, which run
        // beside these, open and close pipes meanwhile.
        let descriptors = openPipeAndPidfdCount()
        #expect(memoryFilesOfThisProcess() == [])
        for _ in 0..<3 {
            #expect(try await pool.map(SquareTask.self, Array(0..<largeCount)).count == largeCount)
            #expect(pool.keptSegments.count == 2 && memoryFilesOfThisProcess().count == 2)
            #expect(await eventually { openPipeAndPidfdCount() <= descriptors })
            // The failing call takes the kept segments (same layout) and frees them.
            await #expect(throws: BackendError.self) {
                _ = try await pool.map(EvenOnlyTask.self, Array(repeating: 3, count: largeCount))
            }
            #expect(pool.keptSegments.count == 0)
        }
        #expect(memoryFilesOfThisProcess() == [])
        #expect(await eventually { openPipeAndPidfdCount() <= descriptors })
        #expect(sharedSegments() == [])
        // The workers let go of the segments when their batches end.
        for pid in pool.workerPIDs { #expect(mappedSegments(of: pid) == [], "worker \(pid)") }
        // Kept segments go with the pool.
        #expect(try await pool.map(SquareTask.self, Array(0..<largeCount)).count == largeCount)
        #expect(memoryFilesOfThisProcess().count == 2)
        pool.close()
        await pool.join()
        #expect(memoryFilesOfThisProcess() == [])
    }

    @Test("a pool's next shared map reuses the kept segments when they fit: same memory, right results; larger or other types replace them")
    func keptSegmentsReused() async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        let ints = Array(0..<largeCount)
        #expect(try await pool.map(SquareTask.self, ints) == ints.map { $0 &* $0 })
        let first = Set(memoryFilesOfThisProcess())
        #expect(first.count == 2)
        // The same call, a smaller one and another task of the same layouts: the same two segments.
        #expect(try await pool.map(SquareTask.self, ints.reversed()) == ints.reversed().map { $0 &* $0 })
        let fewer = Array(ints.prefix(largeCount / 2)).map { $0 * 2 }
        #expect(try await pool.map(EvenOnlyTask.self, fewer) == fewer.map { $0 / 2 })
        #expect(Set(memoryFilesOfThisProcess()) == first)
        // More inputs than the kept segments hold: new ones, kept in their place.
        let more = Array(0..<(2 * largeCount))
        #expect(try await pool.map(SquareTask.self, more) == more.map { $0 &* $0 })
        let larger = Set(memoryFilesOfThisProcess())
        #expect(larger.count == 2 && larger.isDisjoint(with: first))
        // Another layout (structs in, structs out) replaces both.
        let structs = samples(70_000)
        #expect(try await pool.map(WeighTask.self, structs) == structs.map { WeighTask.run($0) })
        let other = Set(memoryFilesOfThisProcess())
        #expect(other.count == 2 && other.isDisjoint(with: larger))
        // Two shared maps at once: one reuses, the other creates; both right, two kept after.
        async let one = pool.map(WeighTask.self, structs)
        async let two = pool.map(WeighTask.self, Array(structs.reversed()))
        let (a, b) = try await (one, two)
        #expect(a == structs.map { WeighTask.run($0) } && b == structs.reversed().map { WeighTask.run($0) })
        #expect(pool.keptSegments.count == 2 && memoryFilesOfThisProcess().count == 2)
    }

    @Test("a kept input segment stays sealed: no process can map it writable, this one still writes the next call's inputs")
    func keptInputsSealed() async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        _ = try await pool.map(SquareTask.self, Array(0..<largeCount))
        let kind = SharedBatch.kind("inputs", of: Int.self)
        let inputs = try #require(pool.keptSegments.take(.inputs, kind: kind, count: largeCount))
        #expect(throws: SharedMemoryError.self) {
            _ = try inputs.handle.attach(kind: kind, writable: true) { $0 * MemoryLayout<Int>.stride }
        }
        let reading = try inputs.handle.attach(kind: kind, writable: false) { $0 * MemoryLayout<Int>.stride }
        #expect(reading.payload.load(fromByteOffset: 8 * 1000, as: Int.self) == 1000)
        pool.keptSegments.keep(inputs, as: .inputs)
        #expect(try await pool.map(SquareTask.self, Array(repeating: 3, count: largeCount)) == Array(repeating: 9, count: largeCount))
        #expect(reading.payload.load(fromByteOffset: 8 * 1000, as: Int.self) == 3, "the next call wrote into the same memory")
    }

    @Test("a program killed with SIGKILL in the middle of a shared map leaves no segment: its workers die, the kernel frees it")
    func parentKilled() async throws {
        let (process, line) = try await startTestWorkerProgram(["map-shared"])
        let fields = line.split(separator: " ")
        guard fields.count == 4, fields[0] == "ready", let pid = Int32(fields[1]) else {
            process.terminate()
            Issue.record("the program printed \"\(line)\"")
            return
        }
        let workers = fields[2].split(separator: ",").compactMap { Int32($0) }
        let names = fields[3].split(separator: ",").map(String.init)
        #expect(workers.count == 2 && names.count == 2)
        #expect(!holdersOfMemoryFiles(names).isEmpty)

        _ = systemKill(pid, SIGKILL)
        await offCooperativePool { process.waitUntilExit() }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline && !workers.allSatisfy(processIsGone) { try? await Task.sleep(for: .milliseconds(10)) }
        #expect(workers.allSatisfy(processIsGone), "the workers outlived their parent")
        #expect(holdersOfMemoryFiles(names) == [])
        #expect(sharedMemoryEntries(of: [pid] + workers) == [])
    }
}
