import Testing

@_spi(Backend) @testable import ParallelKit

#if canImport(Glibc)
import Glibc
#endif

struct Sample: Codable, Equatable {
    enum Shape: Codable, Equatable {
        case circle(radius: Double)
        case polygon([Int])
        case none
    }
    var name: String
    var count: Int
    var ratio: Double
    var small: Int8
    var big: UInt64
    var flag: Bool
    var maybe: Int?
    var nothing: String?
    var tags: [String]
    var matrix: [[Int]]
    var table: [String: Int]
    var shape: Shape
    var nested: [Sample]
}

struct Empty: Codable, Equatable {}

struct EmptyHolder: Codable, Equatable {
    var before: Int
    var empty: Empty
    var after: [Empty]
    var last: String
}

@Suite("WireCoder")
struct WireCoderTests {
    static let sample = Sample(
        name: "größe 🚀", count: -42, ratio: 0.1, small: -8, big: .max, flag: true, maybe: 7, nothing: nil,
        tags: ["a", "", "c"], matrix: [[1, 2], [], [3]], table: ["x": 1, "y": 2], shape: .circle(radius: 2.5),
        nested: [Sample(
            name: "inner", count: 1, ratio: -0, small: 0, big: 0, flag: false, maybe: nil, nothing: "here", tags: [],
            matrix: [], table: [:], shape: .polygon([1, 2, 3]), nested: [])])

    @Test("values round-trip exactly")
    func roundTrip() throws {
        #expect(try WireCoder.decode(Sample.self, from: WireCoder.encode(Self.sample)) == Self.sample)
        let numbers = Array(-1000..<1000)
        #expect(try WireCoder.decode([Int].self, from: WireCoder.encode(numbers)) == numbers)
        let doubles = [0.5, -.infinity, .greatestFiniteMagnitude]
        #expect(try WireCoder.decode([Double].self, from: WireCoder.encode(doubles)) == doubles)
        #expect(try WireCoder.decode([Bool].self, from: WireCoder.encode([true, false])) == [true, false])
        #expect(try WireCoder.decode(String?.self, from: WireCoder.encode(String?.none)) == nil)
        #expect(try WireCoder.decode([Int?].self, from: WireCoder.encode([1, nil, 3])) == [1, nil, 3])
        // A struct without stored properties encodes an empty keyed container its synthesized
        // decoder never opens: alone, in an array and as a field.
        #expect(try WireCoder.decode(Empty.self, from: WireCoder.encode(Empty())) == Empty())
        #expect(try WireCoder.decode([Empty].self, from: WireCoder.encode([Empty(), Empty()])) == [Empty(), Empty()])
        let holder = EmptyHolder(before: 1, empty: Empty(), after: [Empty()], last: "x")
        #expect(try WireCoder.decode(EmptyHolder.self, from: WireCoder.encode(holder)) == holder)
    }

    @Test("arrays of plain numbers travel as one packed block: 8 bytes an Int")
    func packed() throws {
        let bytes = try WireCoder.encode(Array(0..<10_000))
        #expect(bytes.count == 1 + 1 + 4 + 80_000)
    }

    @Test("wrong types and out-of-range numbers are decoding errors, not traps")
    func mismatches() throws {
        #expect(throws: DecodingError.self) { try WireCoder.decode(Int8.self, from: WireCoder.encode(300)) }
        #expect(throws: DecodingError.self) { try WireCoder.decode(String.self, from: WireCoder.encode(3)) }
        #expect(throws: DecodingError.self) { try WireCoder.decode([Int32].self, from: WireCoder.encode([1, 2])) }
        #expect(throws: DecodingError.self) { try WireCoder.decode(Int.self, from: WireCoder.encode(3) + [0]) }
    }

    @Test("random and truncated bytes never crash the decoder (fixed seed)")
    func fuzz() throws {
        var random = FuzzRandom(seed: 2026)
        let valid = try WireMessage.run(id: 7, task: "SquareTask", payload: WireCoder.encode([1, 2, 3])).encoded()
        let sampleBytes = try WireCoder.encode(Self.sample)
        var decoded = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            switch round % 4 {
            case 0: bytes = (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            case 1: bytes = Array(valid.prefix(Int(random.next() % UInt64(valid.count))))
            case 2:
                bytes = valid
                for _ in 0..<3 { bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next()) }
            default:
                bytes = sampleBytes
                bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
            }
            if (try? WireMessage(frame: bytes)) != nil { decoded += 1 }
            _ = try? WireCoder.decode(Sample.self, from: bytes)
        }
        #expect(decoded < 20_000)
    }

    @Test("every message kind round-trips through its frame layout")
    func messages() throws {
        let hello = WorkerHello(protocolVersion: 1, buildID: "ab12", pid: 42, tasks: ["T": "T(Int) -> Int"])
        let failure = BatchFailure(index: 3, kind: .thrown, error: RemoteTaskError(typeName: "E", message: "m", pid: 9))
        for message: WireMessage in [
            .hello(hello), .initialize(task: "I", payload: [1, 2]), .ready, .run(id: 9, task: "T", payload: [5]),
            .result(id: .max, payload: []), .failure(id: 1, failure: failure),
        ] {
            #expect(try WireMessage(frame: message.encoded()) == message)
        }
    }

    @Test("decoding that releases the pages it has passed gives the same values, keyed lookups in any order included")
    func consumingDecode() throws {
        let lines = (0..<3000).map { String(repeating: Character(Unicode.Scalar(UInt8(65 + $0 % 26))), count: 1000 + $0 % 7) }
        let records = (0..<4).map { Reordered(first: Array(lines.prefix(1500 + $0)), second: Array(lines.suffix(1400 - $0)), count: $0) }
        let value = Batch(lines: lines, records: records, numbers: Array(0..<300_000))
        let bytes = try WireCoder.encode([value, value])
        #expect(bytes.count > 8 << 20)
        #expect(try WireCoder.decode([Batch].self, consuming: bytes) == [value, value])
        #expect(try WireCoder.decode([[String]].self, consuming: WireCoder.encode([lines, lines, lines])) == [lines, lines, lines])
        #expect(throws: DecodingError.self) { try WireCoder.decode([[Int]].self, consuming: WireCoder.encode([lines])) }
    }

    @Test("a frame longer than the maximum is refused before anything is allocated")
    func oversizedFrame() throws {
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer {
            close(pair[0])
            close(pair[1])
        }
        var header: [UInt8] = [0xff, 0xff, 0xff, 0x7f]
        _ = write(pair[1], &header, 4)
        #expect(throws: FrameChannel.Failure.oversized(bytes: 0x7fff_ffff, limit: 1 << 30)) {
            _ = try FrameChannel(fd: pair[0]).receive(timeout: .seconds(5))
        }
        close(pair[1])
        pair[1] = -1
        #expect(throws: FrameChannel.Failure.closed) { _ = try FrameChannel(fd: pair[0]).receive(timeout: .seconds(5)) }
    }
}

/// A seeded generator, so the fuzz test is the same every run.
struct FuzzRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 11
    }
}

/// Fields decoded in another order than they were encoded: a keyed lookup goes back.
private struct Reordered: Codable, Equatable {
    var first: [String]
    var second: [String]
    var count: Int

    init(first: [String], second: [String], count: Int) {
        self.first = first
        self.second = second
        self.count = count
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        count = try container.decode(Int.self, forKey: .count)
        second = try container.decode([String].self, forKey: .second)
        first = try container.decode([String].self, forKey: .first)
    }
}

private struct Batch: Codable, Equatable {
    var lines: [String]
    var records: [Reordered]
    var numbers: [Int]
}
