import Testing

@_spi(Backend) @testable import ParallelKit

// Structs on the wire: the keyed containers of WireEncoder.swift, WireKeyedDecoder.swift and
// WireDecoder.swift, held to exact round trips, lookups by key in any order, and a decoder
// that throws, never traps, on bytes that claim a struct.

private struct Point: Codable, Equatable {
    var x: Double
    var y: Double
}

private enum Shape: Codable, Equatable {
    case circle(center: Point, radius: Double)
    case polygon([Point])
    case labelled(String, Int?)
    case empty
}

private struct Record: Codable, Equatable {
    var id: Int
    var name: String
    var row: [Int]
    var weights: [Double]
    var flags: [Bool]
    var small: [Int16]
    var maybe: Int?
    var maybeName: String?
    var twice: Int??
    var origin: Point
    var shapes: [Shape]
    var children: [Record]
}

/// Three fields of `RowInput`, renamed, reordered and one more: what a peer of another build
/// may call the same type.
private struct RowInput: Codable, Equatable {
    var row: [Int]
    var minimum: Int
    var maximum: Int
}

private struct OtherRowInput: Codable, Equatable {
    var maximum: Int
    var extra: String?
    var row: [Int]
    var minimum: Int
}

private struct RenamedRowInput: Codable, Equatable {
    var row: [Int]
    var low: Int
    var high: Int
}

/// Reads its keys backwards, through nested containers and with `decodeIfPresent`.
private struct Backwards: Codable, Equatable {
    var a: Int
    var b: [String]
    var c: Point
    var d: Int?

    enum CodingKeys: String, CodingKey { case a, b, c, d }
    enum PointKeys: String, CodingKey { case x, y }

    init(a: Int, b: [String], c: Point, d: Int?) {
        (self.a, self.b, self.c, self.d) = (a, b, c, d)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(a, forKey: .a)
        var strings = container.nestedUnkeyedContainer(forKey: .b)
        for string in b { try strings.encode(string) }
        var point = container.nestedContainer(keyedBy: PointKeys.self, forKey: .c)
        try point.encode(c.x, forKey: .x)
        try point.encode(c.y, forKey: .y)
        try container.encodeIfPresent(d, forKey: .d)
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        d = try container.decodeIfPresent(Int.self, forKey: .d)
        let point = try container.nestedContainer(keyedBy: PointKeys.self, forKey: .c)
        c = Point(x: try point.decode(Double.self, forKey: .x), y: try point.decode(Double.self, forKey: .y))
        var strings = try container.nestedUnkeyedContainer(forKey: .b)
        var b: [String] = []
        while !strings.isAtEnd { b.append(try strings.decode(String.self)) }
        self.b = b
        a = try container.decode(Int.self, forKey: .a)
        // A second look at the same container, and at the first key again.
        let again = try decoder.container(keyedBy: CodingKeys.self)
        guard try again.decode(Int.self, forKey: .a) == a, again.allKeys.map(\.stringValue) == (d == nil ? ["a", "b", "c"] : ["a", "b", "c", "d"]) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "second container disagrees"))
        }
    }
}

/// Classes that encode their superclass through `superEncoder()`.
private class Animal: Codable {
    var legs: Int
    init(legs: Int) { self.legs = legs }
}

private final class Dog: Animal, Equatable {
    var name: String
    init(legs: Int, name: String) {
        self.name = name
        super.init(legs: legs)
    }
    enum CodingKeys: String, CodingKey { case name }
    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try super.encode(to: container.superEncoder())
    }
    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        try super.init(from: container.superDecoder())
    }
    static func == (lhs: Dog, rhs: Dog) -> Bool { lhs.legs == rhs.legs && lhs.name == rhs.name }
}

@Suite("WireCoder structs")
struct WireCoderStructTests {
    fileprivate static let leaf = Record(
        id: -1, name: "", row: [], weights: [], flags: [], small: [], maybe: nil, maybeName: nil, twice: nil,
        origin: Point(x: 0, y: -0.0), shapes: [], children: [])
    fileprivate static let record = Record(
        id: .max, name: "größe 🚀 — 名前", row: [0, -1, .min, .max], weights: [0.5, -.infinity, .ulpOfOne], flags: [true, false],
        small: [-3, 300], maybe: 7, maybeName: "", twice: .some(nil), origin: Point(x: 1, y: 2),
        shapes: [.circle(center: Point(x: 3, y: 4), radius: 5), .polygon([Point(x: 1, y: 1)]), .labelled("é", nil), .labelled("", 3), .empty],
        children: [leaf, Record(
            id: 2, name: "kid", row: [1], weights: [1], flags: [], small: [], maybe: 0, maybeName: "x", twice: .some(.some(9)),
            origin: Point(x: 5, y: 6), shapes: [.empty], children: [leaf])])

    func roundTrip<T: Codable & Equatable>(_ value: T) throws -> T {
        try WireCoder.decode(T.self, from: WireCoder.encode(value))
    }

    @Test("nested structs, optionals, enums with payloads, strings and arrays round-trip exactly")
    func roundTrips() throws {
        #expect(try roundTrip(Self.record) == Self.record)
        #expect(try roundTrip([Self.record, Self.leaf, Self.record]) == [Self.record, Self.leaf, Self.record])
        #expect(try roundTrip(Self.leaf) == Self.leaf)
        let rows = (0..<1000).map { RowInput(row: [$0, $0 + 1, 5], minimum: $0 % 10, maximum: 8) }
        #expect(try roundTrip(rows) == rows)
        #expect(try roundTrip([Shape.empty, .labelled("ß", 1)]) == [Shape.empty, .labelled("ß", 1)])
        #expect(try roundTrip(["": 1, "ключ": 2]) == ["": 1, "ключ": 2])
        #expect(try roundTrip([Point?.none, Point(x: 1, y: 2)]) == [nil, Point(x: 1, y: 2)])
    }

    @Test("nested optionals keep which level is nil", arguments: [Int??.none, .some(nil), .some(.some(4))])
    func nestedOptionals(_ twice: Int??) throws {
        var record = Self.leaf
        record.twice = twice
        #expect(try roundTrip(record).twice == twice)
    }

    @Test("custom Codable reading keys out of order, nested containers and a second container")
    func outOfOrder() throws {
        for value in [Backwards(a: 1, b: ["x", "", "ÿ"], c: Point(x: 1, y: 2), d: 4), Backwards(a: -5, b: [], c: Point(x: 0, y: 0), d: nil)] {
            #expect(try roundTrip(value) == value)
            #expect(try roundTrip([value, value]) == [value, value])
        }
    }

    @Test("superEncoder and superDecoder carry a superclass's fields")
    func superclass() throws {
        let dogs = [Dog(legs: 4, name: "Rex"), Dog(legs: 3, name: "")]
        #expect(try roundTrip(dogs) == dogs)
    }

    @Test("a peer's type of the same name decodes by key, or throws: fields are never mixed up")
    func otherFields() throws {
        let input = RowInput(row: [1, 2, 3], minimum: 4, maximum: 8)
        let reordered = try WireCoder.decode(OtherRowInput.self, from: WireCoder.encode(input))
        #expect(reordered == OtherRowInput(maximum: 8, extra: nil, row: [1, 2, 3], minimum: 4))
        let back = try WireCoder.decode(RowInput.self, from: WireCoder.encode(OtherRowInput(maximum: 9, extra: "e", row: [7], minimum: 2)))
        #expect(back == RowInput(row: [7], minimum: 2, maximum: 9))
        #expect {
            _ = try WireCoder.decode(RenamedRowInput.self, from: WireCoder.encode(input))
        } throws: { error in
            guard case DecodingError.keyNotFound(let key, _) = error else { return false }
            return key.stringValue == "low"
        }
    }

    @Test("a missing key is keyNotFound naming it and its path; a wrong type is a decoding error")
    func missingKeys() throws {
        struct Holder: Codable { var inner: RowInput }
        struct PartialInner: Codable { var row: [Int]; var minimum: Int }
        struct PartialHolder: Codable { var inner: PartialInner }
        let bytes = try WireCoder.encode(PartialHolder(inner: PartialInner(row: [1], minimum: 2)))
        #expect {
            _ = try WireCoder.decode(Holder.self, from: bytes)
        } throws: { error in
            guard case DecodingError.keyNotFound(let key, let context) = error else { return false }
            return key.stringValue == "maximum" && context.codingPath.map(\.stringValue) == ["inner"]
        }
        struct Wrong: Codable { var row: String; var minimum: Int; var maximum: Int }
        #expect(throws: DecodingError.self) { try WireCoder.decode(Wrong.self, from: WireCoder.encode(RowInput(row: [1], minimum: 1, maximum: 2))) }
        struct Narrow: Codable { var row: [Int]; var minimum: Int8; var maximum: Int }
        #expect(throws: DecodingError.self) { try WireCoder.decode(Narrow.self, from: WireCoder.encode(RowInput(row: [1], minimum: 300, maximum: 2))) }
    }

    @Test("a struct of numbers and packed arrays costs its fields, its keys and a few header bytes")
    func compact() throws {
        let bytes = try WireCoder.encode(RowInput(row: [1, 2, 3, 4, 5], minimum: 4, maximum: 8))
        // keyed tag + count, then per field: key length + key, value.
        #expect(bytes.count == 5 + (4 + 3 + 6 + 40) + (4 + 7 + 9) + (4 + 7 + 9))
    }

    @Test("the packed strides used to skip a value agree with the packed element types")
    func packedStrides() {
        for (kind, codec) in PackedCodec.all.enumerated() {
            #expect(PackedCodec.stride(ofKind: UInt8(kind)) == codec.stride)
        }
        #expect(PackedCodec.stride(ofKind: UInt8(PackedCodec.all.count)) == nil)
    }

    @Test("bytes that claim a struct never crash the decoder (seeded mutations, truncations, random keyed bytes)")
    func fuzz() throws {
        var random = FuzzRandom(seed: 14_05)
        let valid = [
            try WireCoder.encode(Self.record), try WireCoder.encode([Self.record, Self.leaf]),
            try WireCoder.encode((0..<20).map { RowInput(row: [$0, 1], minimum: 4, maximum: 8) }),
            try WireCoder.encode(Backwards(a: 1, b: ["x"], c: Point(x: 1, y: 2), d: 3)),
        ]
        var (thrown, decoded) = (0, 0)
        func attempt(_ bytes: [UInt8]) {
            let outcomes = [
                Result { try WireCoder.decode(Record.self, from: bytes) }.isSuccess,
                Result { try WireCoder.decode([Record].self, from: bytes) }.isSuccess,
                Result { try WireCoder.decode([RowInput].self, from: bytes) }.isSuccess,
                Result { try WireCoder.decode(Backwards.self, from: bytes) }.isSuccess,
                Result { try WireCoder.decode([OtherRowInput].self, from: bytes) }.isSuccess,
            ]
            for success in outcomes { if success { decoded += 1 } else { thrown += 1 } }
        }
        for round in 0..<6000 {
            let base = valid[round % valid.count]
            var bytes = base
            switch round % 3 {
            case 0:
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                }
            case 1:
                bytes = Array(base.prefix(Int(random.next() % UInt64(base.count))))
            default:
                // A keyed tag, a count, then random bytes: keys and values of any length.
                bytes = [WireTag.keyed.rawValue] + (0..<4).map { _ in UInt8(random.next() % 8) }
                bytes += (0..<Int(random.next() % 96)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            }
            attempt(bytes)
        }
        // Most inputs are refused; the unmodified ones (and a few harmless mutations) decode.
        #expect(thrown > decoded)
        for bytes in valid { attempt(bytes) }
        #expect(decoded > 0)
    }
}

extension Result where Failure == any Error {
    fileprivate var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
