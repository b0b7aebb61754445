import Foundation
import ParallelKit
@_spi(Testing) import ParallelKitMemory
import Testing

/// EntryLog.swift, EntryRecord.swift, LogSegment.swift and EntryLog+Compaction.swift: damaged
/// and torn entries, a full disk, two writers of one directory, eviction.
@Suite("Memory on disk")
struct EntryLogTests {
    /// A function of `Int` to a 1000-byte output, counting its runs.
    static func padded(_ memory: Memory, _ calls: Calls) -> CachedFunction<Int, [UInt8]> {
        memory.cache("padded") { (x: Int) in
            calls.add()
            return [UInt8](repeating: UInt8(x & 0xFF), count: 1000)
        }
    }

    @Test("a damaged entry is a miss: detected by its checksum, recomputed and stored again")
    func damaged() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let calls = Calls()
        let memory = try Memory(directory: directory.path)
        let square = memory.cache("square") { (x: Int) in
            calls.add()
            return x * x
        }
        for x in 1...3 { _ = try await square(x) }
        let file = try #require(directory.logFiles.first)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        let record = bytes.count / 3
        bytes[record + 64] ^= 0xFF  // the second record's payload
        try Data(bytes).write(to: URL(fileURLWithPath: file))

        let fresh = try Memory(directory: directory.path)
        #expect(fresh.statistics.damaged == 1)
        let again = fresh.cache("square") { (x: Int) in
            calls.add()
            return x * x
        }
        #expect(try await again(1) == 1)
        #expect(try await again(2) == 4)
        #expect(try await again(3) == 9)
        #expect(calls.count == 4)
        #expect(try await again(2) == 4)
        #expect(calls.count == 4)
        // The same damage seen by a memory that had read the file before: a miss, not a wrong hit.
        #expect(try await square(2) == 4)
        #expect(calls.count == 4 || calls.count == 5)
    }

    @Test("a truncated file: the entries before the cut are hits, the torn one is recomputed")
    func truncated() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let calls = Calls()
        _ = try await {
            let memory = try Memory(directory: directory.path)
            let padded = Self.padded(memory, calls)
            for x in 0..<4 { _ = try await padded(x) }
        }()
        let file = try #require(directory.logFiles.first)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        #expect(truncate(file, off_t(size - 500)) == 0)

        let memory = try Memory(directory: directory.path)
        #expect(memory.statistics.entries == 3)
        let padded = Self.padded(memory, calls)
        for x in 0..<4 { #expect(try await padded(x) == [UInt8](repeating: UInt8(x), count: 1000)) }
        #expect(calls.count == 5)
        #expect(try Memory(directory: directory.path).statistics.entries == 4)
    }

    @Test("a write cut short by a full disk fails the store with storeFailed and leaves no hit")
    func injectedFullDisk() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var options = Memory.Options()
        options.writeBudget = 2 * (64 + 1010) + 300
        let calls = Calls()
        let memory = try Memory(directory: directory.path, options: options)
        let padded = Self.padded(memory, calls)
        _ = try await padded(1)
        _ = try await padded(2)
        await #expect {
            _ = try await padded(3)
        } throws: { error in
            let error = try #require(error as? MemoryError)
            return error.code == .storeFailed && error.systemError?.errno == ENOSPC
                && "\(error)".contains("No space left on device")
        }
        #expect(try padded.cachedOutput(for: 3) == nil)
        let fresh = try Memory(directory: directory.path)
        #expect(fresh.statistics.entries == 2)
        #expect(try Self.padded(fresh, calls).cachedOutput(for: 3) == nil)
        #expect(try Self.padded(fresh, calls).cachedOutput(for: 2) != nil)
    }

    @Test(
        "a real full disk (a 256 KiB tmpfs): storeFailed with ENOSPC, no partial entry, space again after clear()",
        .enabled(
            if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount"), "mounting a tmpfs needs root"))
    func tmpfsFullDisk() async throws {
        let directory = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        defer { directory.remove() }
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=256k", "tmpfs", directory.path]
        try mount.run()
        mount.waitUntilExit()
        // Root without the right to mount (some containers): the injected full disk above covers it.
        guard mount.terminationStatus == 0 else { return }
        defer {
            let unmount = Process()
            unmount.executableURL = URL(fileURLWithPath: "/bin/umount")
            unmount.arguments = [directory.path]
            try? unmount.run()
            unmount.waitUntilExit()
        }
        let memory = try Memory(directory: directory.path)
        let big = memory.cache("big") { (x: Int) in [UInt8](repeating: UInt8(x), count: 100_000) }
        _ = try await big(1)
        _ = try await big(2)
        await #expect {
            _ = try await big(3)
        } throws: { error in
            (error as? MemoryError)?.code == .storeFailed && (error as? MemoryError)?.systemError?.errno == ENOSPC
        }
        #expect(try big.cachedOutput(for: 3) == nil)
        #expect(try Memory(directory: directory.path).statistics.entries == 2)
        try memory.clear()
        #expect(try await big(3) == [UInt8](repeating: 3, count: 100_000))
        #expect(try big.cachedOutput(for: 3) != nil)
    }

    @Test("the size limit evicts the least recently used entries first")
    func evictionOrder() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let calls = Calls()
        // Records of 64 + 1010 bytes: four fit in the limit, three in three quarters of it.
        let memory = try Memory(directory: directory.path, options: .init(sizeLimit: 4 * 1074 + 100))
        let padded = Self.padded(memory, calls)
        for x in [10, 11, 12, 13] { _ = try await padded(x) }
        #expect(memory.statistics.evictions == 0)
        _ = try await padded(10)  // now the most recently used of the four
        _ = try await padded(14)
        #expect(memory.statistics.evictions == 2)
        #expect(calls.count == 5)
        #expect(try padded.cachedOutput(for: 11) == nil)
        #expect(try padded.cachedOutput(for: 12) == nil)
        #expect(try padded.cachedOutput(for: 10) != nil)
        #expect(try padded.cachedOutput(for: 13) != nil)
        #expect(try padded.cachedOutput(for: 14) != nil)
        #expect(memory.statistics.bytes <= 4 * 1074 + 100)
        #expect(directory.logFiles.count == 1)
    }

    @Test("two processes writing one directory at once: every entry of both is there, intact")
    func twoProcesses() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        async let first = Task.detached { try runDrill(["write", directory.path, "first", "300"]) }.value
        async let second = Task.detached { try runDrill(["write", directory.path, "second", "300"]) }.value
        let runs = try await [first, second]
        #expect(runs.map(\.status) == [0, 0])
        #expect(runs.map(\.lines) == [["done 300"], ["done 300"]])
        let memory = try Memory(directory: directory.path)
        #expect(memory.statistics.entries == 600)
        #expect(memory.statistics.damaged == 0)
        let exclaim = memory.cache("exclaim") { (text: String) in "not from disk" }
        for label in ["first", "second"] {
            for index in stride(from: 0, to: 300, by: 37) {
                #expect(try exclaim.cachedOutput(for: "\(label)-\(index)") == "\(label)-\(index)!")
            }
        }
        #expect(directory.logFiles.count == 2)
    }

    @Test("threads of one process share a Memory")
    func threads() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let memory = try Memory(directory: directory.path)
        let calls = Calls()
        let negate = memory.cache("negate") { (x: Int) in
            calls.add()
            return -x
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask { () async throws -> Void in
                    for x in 0..<50 { #expect(try await negate((x + worker) % 60) == -((x + worker) % 60)) }
                }
            }
            try await group.waitForAll()
        }
        #expect(memory.statistics.entries == 57)
        #expect(memory.statistics.damaged == 0)
    }
}
