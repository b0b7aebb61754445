import Foundation
import ParallelKit
@testable import ParallelKitMemory
import Synchronization
import Testing

/// RunJournal.swift and OutputPieces.swift: a map run again is served by its journal, and falls
/// back to the index, item by item, wherever the journal cannot be trusted.
@Suite("A map's journal", .serialized)
struct RunJournalTests {
    /// `input * 3`, counting its runs; throws at 1200 while `armed`.
    struct Counted: WorkerTask {
        struct Failure: Error {}
        static let runs = Atomic(0)
        static let armed = Atomic(false)
        static func run(_ input: Int) throws -> Int {
            if input == 1200, armed.load(ordering: .relaxed) { throw Failure() }
            runs.add(1, ordering: .relaxed)
            return input * 3
        }

        /// The runs of `body`.
        static func counting(_ body: () async throws -> Void) async throws -> Int {
            let before = runs.load(ordering: .relaxed)
            try await body()
            return runs.load(ordering: .relaxed) - before
        }
    }

    static func journals(_ directory: TemporaryDirectory) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path + "/journals")) ?? []
    }

    @Test("the same map run again reads its outputs from the journal and computes nothing")
    func servedWhole() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let inputs = Array(0..<5000)
        let first = try await Counted.counting { () async throws in
            let memory = try Memory(directory: directory.path)
            let outputs = try await Parallel(jobs: 2).map(Counted.self, inputs, cache: memory)
            #expect(outputs == inputs.map { $0 * 3 })
        }
        #expect(first == 5000)
        #expect(Self.journals(directory).count == 1)
        let memory = try Memory(directory: directory.path)
        let again = try await Counted.counting { () async throws in
            let outputs = try await Parallel(jobs: 2).map(Counted.self, inputs, cache: memory)
            #expect(outputs == inputs.map { $0 * 3 })
        }
        #expect(again == 0)
        // Served from the journal without indexing its entries; a lookup afterwards indexes them.
        #expect(memory.log.withLock { $0.index.count } == 0)
        #expect(memory.statistics.hits == 5000)
        #expect(try memory.cache(Counted.self).cachedOutput(for: 4321) == 12963)
        #expect(memory.statistics.entries == 5000)
    }

    @Test("items the journal lacks are looked up by key: entries written otherwise are hits")
    func journalAndIndex() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let memory = try Memory(directory: directory.path)
        let inputs = Array(0..<1500)
        Counted.armed.store(true, ordering: .relaxed)
        await #expect(throws: MemoryError.self) {
            _ = try await Parallel(jobs: 1).map(Counted.self, inputs, cache: memory)
        }
        Counted.armed.store(false, ordering: .relaxed)
        let committed = memory.statistics.entries
        #expect(committed > 0 && committed <= 1200)
        let cached = memory.cache(Counted.self)
        let byHand = try await Counted.counting { () async throws in
            for input in 1300..<1400 { _ = try await cached(input) }
        }
        #expect(byHand == 100)
        let fresh = try Memory(directory: directory.path)
        let resumed = try await Counted.counting { () async throws in
            let outputs = try await Parallel(jobs: 2).map(Counted.self, inputs, cache: fresh)
            #expect(outputs == inputs.map { $0 * 3 })
        }
        #expect(resumed == 1500 - committed - 100)
        // The journaled batches were not indexed: the entries stored by hand and those computed now were.
        #expect(fresh.log.withLock { $0.index.count } == 1500 - committed)
        #expect(fresh.statistics.hits == committed + 100)
    }

    @Test("a damaged entry in a journaled batch: that batch is looked up by key, the damaged item recomputed")
    func damagedBatch() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let inputs = Array(0..<3000)
        _ = try await Parallel(jobs: 2).map(Counted.self, inputs, cache: try Memory(directory: directory.path))
        let file = try #require(directory.logFiles.first)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        let record = bytes.count / 3000  // every record is the same size
        bytes[record * 10 + EntryRecord.headerSize + EntryRecord.tagSize + 1] ^= 0xFF  // item 10's output
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let memory = try Memory(directory: directory.path)
        let again = try await Counted.counting { () async throws in
            let outputs = try await Parallel(jobs: 2).map(Counted.self, inputs, cache: memory)
            #expect(outputs == inputs.map { $0 * 3 })
        }
        #expect(again == 1)
        #expect(memory.statistics.damaged == 1)
    }

    @Test("a torn or foreign journal record is skipped; a journal naming a compacted file is not used")
    func untrusted() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let inputs = Array(0..<2000)
        _ = try await Parallel(jobs: 2).map(Counted.self, inputs, cache: try Memory(directory: directory.path))
        let journal = directory.path + "/journals/" + (try #require(Self.journals(directory).first))
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: journal)))
        bytes[EntryRecord.headerSize + 2] ^= 0xFF  // the first record's payload: its checksum fails
        bytes += [UInt8](repeating: 7, count: 100)  // and a torn record at the end
        try Data(bytes).write(to: URL(fileURLWithPath: journal))
        let memory = try Memory(directory: directory.path)
        let again = try await Counted.counting { () async throws in
            let outputs = try await Parallel(jobs: 2).map(Counted.self, inputs, cache: memory)
            #expect(outputs == inputs.map { $0 * 3 })
        }
        #expect(again == 0)
        // The first batch (256 items) was found by key, the others read from the journal.
        #expect(memory.log.withLock { $0.index.count } == 256)
        // Removing another function's entries rewrites the files: the journals go with them.
        let other = memory.cache("other") { (x: Int) in x }
        _ = try await other(1)
        try other.clear()
        #expect(Self.journals(directory).isEmpty)
        let fresh = try Memory(directory: directory.path)
        let afterRewrite = try await Counted.counting { () async throws in
            let outputs = try await Parallel(jobs: 2).map(Counted.self, inputs, cache: fresh)
            #expect(outputs == inputs.map { $0 * 3 })
        }
        #expect(afterRewrite == 0)
        try fresh.clear()
        #expect(Self.journals(directory).isEmpty)
    }

    @Test("a map of fewer than 1,024 inputs keeps no journal, and is served by key")
    func smallMap() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let memory = try Memory(directory: directory.path)
        let inputs = Array(0..<1023)
        _ = try await Parallel(jobs: 2).map(Counted.self, inputs, cache: memory)
        #expect(Self.journals(directory).isEmpty)
        let again = try await Counted.counting { () async throws in
            let outputs = try await Parallel(jobs: 2).map(Counted.self, inputs, cache: memory)
            #expect(outputs == inputs.map { $0 * 3 })
        }
        #expect(again == 0)
    }

    @Test("a journal record's payload reads back; malformed ones do not")
    func recordFormat() {
        let batch = RunJournal.Batch(segment: "12-ab.log", offset: 4096, length: 730, count: 10, ranges: [0..<4, 9..<15])
        let payload = RunJournal.payload(batch)
        #expect(payload.withUnsafeBytes { RunJournal.batch($0) } == batch)
        var wrongCount = batch
        wrongCount.count = 11
        #expect(RunJournal.payload(wrongCount).withUnsafeBytes { RunJournal.batch($0) } == nil)
        #expect(payload.dropLast().withUnsafeBytes { RunJournal.batch($0) } == nil)
        var escaping = batch
        escaping.segment = "../elsewhere.log"
        #expect(RunJournal.payload(escaping).withUnsafeBytes { RunJournal.batch($0) } == nil)
        #expect(RunJournal.ranges(of: [3, 4, 5, 9, 10, 2]) == [3..<6, 9..<11, 2..<3])
    }

    @Test("outputs arrive in pieces and come out in input order, each input once")
    func pieces() {
        var pieces = OutputPieces<String>(count: 6)
        pieces.add(["c", "d"], at: [2..<4])
        #expect(!pieces.canTake([3..<5]))
        #expect(!pieces.canTake([5..<7]))
        #expect(pieces.canTake([0..<2, 4..<6]))
        pieces.add(["a", "e"], at: [0, 4])
        #expect(pieces.uncovered == [1, 5])
        pieces.add(["b", "f"], at: [1, 5])
        #expect(pieces.assembled() == ["a", "b", "c", "d", "e", "f"])
    }
}
