import Crypto
import Foundation
import ParallelKit
@_spi(Testing) import ParallelKitMemory
import Testing

/// CanonicalEncoder.swift, CanonicalContainers.swift and CanonicallyKeyed.swift: one value, one
/// encoding, whatever order it was built in and in whichever process.
@Suite("CanonicalEncoder")
struct CanonicalEncoderTests {
    struct Record: Codable, Equatable {
        var name: String
        var scores: [String: Double]
        var tags: Set<Int>
        var nested: [Int: [String]]
        var missing: Int?
    }

    /// Dictionaries of the same entries whose iteration orders differ (other capacities).
    static func orders() -> ([String: Int], [String: Int]) {
        var small: [String: Int] = [:]
        var large: [String: Int] = [:]
        large.reserveCapacity(4096)
        for index in 0..<200 { small["k\(index)"] = index }
        for index in (0..<200).reversed() { large["k\(index)"] = index }
        return (small, large)
    }

    @Test("dictionaries and sets built in different orders give one encoding")
    func orderIndependent() throws {
        let (small, large) = Self.orders()
        #expect(Array(small.keys) != Array(large.keys))  // the test means something
        #expect(try CanonicalEncoder.encode(small) == CanonicalEncoder.encode(large))

        var first = Set<String>()
        var second = Set<String>(minimumCapacity: 5000)
        for index in 0..<300 { first.insert("s\(index)") }
        for index in (0..<300).reversed() { second.insert("s\(index)") }
        #expect(Array(first) != Array(second))
        #expect(try CanonicalEncoder.encode(first) == CanonicalEncoder.encode(second))

        var intKeys: [Int: String] = [:]
        var intKeysReversed: [Int: String] = Dictionary(minimumCapacity: 3000)
        for index in 0..<150 { intKeys[index * 7] = "\(index)" }
        for index in (0..<150).reversed() { intKeysReversed[index * 7] = "\(index)" }
        let one = Record(name: "a", scores: small.mapValues(Double.init), tags: [3, 1, 2], nested: [1: ["x"], 2: ["y"]])
        var two = Record(name: "a", scores: large.mapValues(Double.init), tags: [2, 3, 1], nested: [2: ["y"], 1: ["x"]])
        #expect(try CanonicalEncoder.encode(one) == CanonicalEncoder.encode(two))
        #expect(try CanonicalEncoder.encode(intKeys) == CanonicalEncoder.encode(intKeysReversed))
        two.tags.insert(4)
        #expect(try CanonicalEncoder.encode(one) != CanonicalEncoder.encode(two))
    }

    @Test("values that differ encode differently: types, widths of sign, nil, order of arrays")
    func distinguishes() throws {
        #expect(try CanonicalEncoder.encode([1, 2]) != CanonicalEncoder.encode([2, 1]))
        #expect(try CanonicalEncoder.encode([1.0]) != CanonicalEncoder.encode([1]))
        #expect(try CanonicalEncoder.encode(Int?.none) != CanonicalEncoder.encode(0))
        #expect(try CanonicalEncoder.encode(["ab", "c"]) != CanonicalEncoder.encode(["a", "bc"]))
        #expect(try CanonicalEncoder.encode(Int64(5)) == CanonicalEncoder.encode(5))
        #expect(try CanonicalEncoder.encode(UInt(5)) != CanonicalEncoder.encode(5))
    }

    @Test("arrays of plain numbers are written from their bytes: inline when small, their SHA-256 when large")
    func plainArrays() throws {
        let small = (0..<100).map(Double.init)
        let smallBytes = try CanonicalEncoder.encode(small)
        #expect(smallBytes.count > 800)
        let large = (0..<3_000_000).map(Double.init)  // 24 MB: hashed in 4 MiB pieces on every core
        let largeBytes = try CanonicalEncoder.encode(large)
        #expect(largeBytes.count < 100)
        #expect(try CanonicalEncoder.encode(large) == largeBytes)
        var changed = large
        changed[2_999_999] += 1
        #expect(try CanonicalEncoder.encode(changed) != largeBytes)
        #expect(try CanonicalEncoder.encode(ContiguousArray(small)) == smallBytes)
    }

    @Test("shared-memory values are keyed by their contents, never by their segment")
    func sharedMemory() throws {
        let values = (0..<(1 << 18)).map(Double.init)
        let one = try SharedInputArray(values, sharingAbove: 0)
        let two = try SharedInputArray(values, sharingAbove: 0)
        #expect(one.isShared && two.isShared && one.segmentPath != two.segmentPath)
        #expect(try CanonicalEncoder.encode(one) == CanonicalEncoder.encode(two))
        let copied = try SharedInputArray(values, sharingAbove: .max)
        #expect(!copied.isShared)
        #expect(try CanonicalEncoder.encode(copied) == CanonicalEncoder.encode(one))
        let other = try SharedInputArray(values.map { $0 + 1 }, sharingAbove: 0)
        #expect(try CanonicalEncoder.encode(other) != CanonicalEncoder.encode(one))

        let shared = try SharedArray([1, 2, 3])
        let sharedAgain = try SharedArray([1, 2, 3])
        #expect(try CanonicalEncoder.encode(shared) == CanonicalEncoder.encode(sharedAgain))
        let value = try SharedValue(42)
        #expect(try CanonicalEncoder.encode(value) == CanonicalEncoder.encode(try SharedValue(42)))
    }

    @Test("a value whose contents cannot be read is refused with unkeyable")
    func refused() throws {
        let lock = try ProcessLock()
        #expect {
            _ = try CanonicalEncoder.encode([lock])
        } throws: { error in
            (error as? MemoryError)?.code == .unkeyable && "\(error)".contains("ProcessLock")
        }
        struct Pair: BitwiseCopyable {
            var a: UInt8
            var b: Int
        }
        let padded = try SharedArray(repeating: Pair(a: 1, b: 2), count: 4)
        #expect(throws: MemoryError.self) { _ = try CanonicalEncoder.encode(padded) }
    }

    @Test("a key is SHA-256 of the format line, signature, version, build and input: entries of earlier builds still hit")
    func keyFormat() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let memory = try Memory(directory: directory.path)
        let function = memory.cache("format", version: 3) { (x: Int) in x }
        func word(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt64(value).littleEndian) { Array($0) } }
        let signature = Array(function.signature.utf8)
        // Written out byte by byte, as the first release hashed them (one message, no midstate).
        let header = Array("ParallelKitMemory key 1\0".utf8) + word(signature.count) + signature + word(3) + word(0)
        let message = header + [2] + word(7)  // tag 2: an integer, then its 8 bytes
        let expected = SHA256.hash(data: message).map { String($0 >> 4, radix: 16) + String($0 & 15, radix: 16) }
        let key = try function.key(for: 7)
        #expect(key.description == expected.joined())
        #expect(try function.encodedKey(for: 7) == key)
    }

    @Test("a bare number's key, computed without the encoder, is the encoder's key")
    func plainNumberKeys() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let memory = try Memory(directory: directory.path)
        func check<T: Codable & Sendable>(_ values: [T]) throws {
            let function = memory.cache("plain", version: 3) { (x: T) in x }
            for value in values { #expect(try function.key(for: value) == function.encodedKey(for: value)) }
        }
        try check([0, 1, -1, Int.min, Int.max])
        try check([Int64.min, 7] as [Int64])
        try check([Int32.min, -7] as [Int32])
        try check([UInt.max, 7] as [UInt])
        try check([UInt64.max, 7] as [UInt64])
        try check([UInt32.max, 7] as [UInt32])
        try check([0.0, -0.0, .pi, .infinity, .nan] as [Double])
        try check([1.5, -.infinity] as [Float])
        let int = memory.cache("plain", version: 3) { (x: Int) in x }
        #expect(try int.key(for: 5) != int.key(for: 6))
    }

    @Test("the same inputs built in another process give the same keys")
    func otherProcess() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let run = try runDrill(["keys", directory.path])
        #expect(run.status == 0)
        let memory = try Memory(directory: directory.path)
        var words: [String: Int] = Dictionary(minimumCapacity: 1000)
        var tags = Set<String>(minimumCapacity: 1000)
        var series: [Int: [Double]] = Dictionary(minimumCapacity: 1000)
        for index in (0..<100).reversed() {
            words["w\(index)"] = index
            tags.insert("t\(index)")
            series[index] = [Double(index), 0.5]
        }
        let keys = [
            "\(try memory.cache("words") { (input: [String: Int]) in input.count }.key(for: words))",
            "\(try memory.cache("tags") { (input: Set<String>) in input.count }.key(for: tags))",
            "\(try memory.cache("series") { (input: [Int: [Double]]) in input.count }.key(for: series))",
        ]
        #expect(run.lines == keys)
        #expect(keys.allSatisfy { $0.count == 64 })
    }
}
