import ParallelKitTestTasks
import Testing

@_spi(Backend) @testable import ParallelKit

// `WireFields` (WireFields.swift, WireFieldWriter.swift, WireFieldReader.swift): the same bytes
// as synthesized `Codable`, read field by field when they are in order and by key otherwise,
// with the same outcome as `Codable` on any bytes.

private struct Spot: Codable, Equatable {
    var x: Double
    var y: Double
}

private enum Mark: Codable, Equatable {
    case dot(Spot)
    case label(String, Int?)
}

/// Every kind of field, conformed by hand as `@WireFields` would (this target builds no macros).
private struct Reading: Codable, Equatable, WireFields {
    var id: Int
    var station: String
    var celsius: Double
    var calibrated: Bool
    var samples: [Double]
    var counts: [Int]
    var note: String?
    var spot: Spot
    var mark: Mark?

    init(id: Int, station: String, celsius: Double, calibrated: Bool, samples: [Double], counts: [Int], note: String?, spot: Spot, mark: Mark?) {
        (self.id, self.station, self.celsius, self.calibrated) = (id, station, celsius, calibrated)
        (self.samples, self.counts, self.note, self.spot, self.mark) = (samples, counts, note, spot, mark)
    }

    func writeWireFields(to writer: inout WireFieldWriter) throws(EncodingError) {
        try writer.write(id, forKey: "id")
        try writer.write(station, forKey: "station")
        try writer.write(celsius, forKey: "celsius")
        try writer.write(calibrated, forKey: "calibrated")
        try writer.write(samples, forKey: "samples")
        try writer.write(counts, forKey: "counts")
        try writer.writeIfPresent(note, forKey: "note")
        try writer.write(spot, forKey: "spot")
        try writer.writeIfPresent(mark, forKey: "mark")
    }

    init(wireFields reader: inout WireFieldReader) throws(DecodingError) {
        id = try reader.read(Int.self, forKey: "id")
        station = try reader.read(String.self, forKey: "station")
        celsius = try reader.read(Double.self, forKey: "celsius")
        calibrated = try reader.read(Bool.self, forKey: "calibrated")
        samples = try reader.read([Double].self, forKey: "samples")
        counts = try reader.read([Int].self, forKey: "counts")
        note = try reader.readIfPresent(String.self, forKey: "note")
        spot = try reader.read(Spot.self, forKey: "spot")
        mark = try reader.readIfPresent(Mark.self, forKey: "mark")
    }
}

/// `Reading`'s fields with synthesized `Codable` only.
private struct PlainReading: Codable, Equatable {
    var id: Int
    var station: String
    var celsius: Double
    var calibrated: Bool
    var samples: [Double]
    var counts: [Int]
    var note: String?
    var spot: Spot
    var mark: Mark?

    init(_ reading: Reading) {
        (id, station, celsius, calibrated) = (reading.id, reading.station, reading.celsius, reading.calibrated)
        (samples, counts, note, spot, mark) = (reading.samples, reading.counts, reading.note, reading.spot, reading.mark)
    }
}

/// `Reading`'s fields in another order, one of them unsigned, and a key `Reading` does not have:
/// what another build may send.
private struct ShuffledReading: Codable {
    var mark: Mark?
    var counts: [Int]
    var spot: Spot
    var unknown: String
    var calibrated: Bool
    var samples: [Double]
    var id: UInt
    var celsius: Double
    var station: String
}

private struct Batch<Element: Codable & Equatable>: Codable, Equatable {
    var readings: [Element]
    var first: Element?
}

@Suite("WireFields")
struct WireFieldsTests {
    fileprivate static let readings = [
        Reading(id: 1, station: "Kew", celsius: 11.5, calibrated: true, samples: [1, 2.5], counts: [3, 4, 5],
                note: "dry", spot: Spot(x: 1, y: -2), mark: .label("north", 3)),
        Reading(id: -7, station: "", celsius: -0.0, calibrated: false, samples: [], counts: [], note: nil,
                spot: Spot(x: 0, y: 0), mark: nil),
        Reading(id: Int.max, station: "Ōsaka 大阪", celsius: .infinity, calibrated: true, samples: [.pi], counts: [Int.min],
                note: "", spot: Spot(x: 3, y: 4), mark: .dot(Spot(x: 5, y: 6))),
    ]

    @Test("the bytes are synthesized Codable's, for values, arrays and fields of other structs")
    func sameBytes() throws {
        for reading in Self.readings {
            #expect(try WireCoder.encode(reading) == WireCoder.encode(PlainReading(reading)))
        }
        #expect(try WireCoder.encode(Self.readings) == WireCoder.encode(Self.readings.map(PlainReading.init)))
        let batch = Batch(readings: Self.readings, first: Self.readings[0])
        let plain = Batch(readings: Self.readings.map(PlainReading.init), first: PlainReading(Self.readings[0]))
        #expect(try WireCoder.encode(batch) == WireCoder.encode(plain))
    }

    @Test("each form reads the other's bytes: values, arrays, and arrays inside other structs")
    func roundTrips() throws {
        let plain = Self.readings.map(PlainReading.init)
        #expect(try WireCoder.decode([Reading].self, from: WireCoder.encode(plain)) == Self.readings)
        #expect(try WireCoder.decode([PlainReading].self, from: WireCoder.encode(Self.readings)) == plain)
        #expect(try WireCoder.decode(Reading.self, from: WireCoder.encode(Self.readings[2])) == Self.readings[2])
        let batch = Batch(readings: Self.readings, first: nil)
        #expect(try WireCoder.decode(Batch<Reading>.self, from: WireCoder.encode(batch)) == batch)
    }

    @Test("keys in another order, an unsigned number and an unknown key are read by key")
    func anyOtherContainer() throws {
        let shuffled = ShuffledReading(
            mark: .label("x", nil), counts: [9], spot: Spot(x: 1, y: 2), unknown: "ignored", calibrated: true,
            samples: [0.5], id: 12, celsius: 20, station: "Oslo")
        let expected = Reading(
            id: 12, station: "Oslo", celsius: 20, calibrated: true, samples: [0.5], counts: [9], note: nil,
            spot: Spot(x: 1, y: 2), mark: .label("x", nil))
        #expect(try WireCoder.decode(Reading.self, from: WireCoder.encode(shuffled)) == expected)
        #expect(try WireCoder.decode([Reading].self, from: WireCoder.encode([shuffled, shuffled])) == [expected, expected])
    }

    @Test("arrays of another element type or of tagged values are read by key, as Codable reads them")
    func otherArrays() throws {
        struct Narrow: Codable {
            var id = 1, station = "Kew", celsius = 2.5, calibrated = true
            var samples: [Float] = [1.5]
            var counts: [Int32] = [3]
            var note: String? = nil
            var spot = Spot(x: 1, y: 2)
            var mark: Mark? = nil
        }
        struct Tagged: Codable {
            var id = 1, station = "Kew", celsius = 2.5, calibrated = true
            var samples: [Double?] = [1.5]
            var counts: [Int?] = [3]
            var spot = Spot(x: 1, y: 2)
        }
        // Codable refuses a packed [Float] for [Double] and converts tagged values: so does
        // the field-by-field read, which gives way to `init(from:)` on both.
        for (bytes, reads) in [(try WireCoder.encode(Narrow()), false), (try WireCoder.encode(Tagged()), true)] {
            let fast = Result { try WireCoder.decode(Reading.self, from: bytes) }
            let plain = Result { try WireCoder.decode(PlainReading.self, from: bytes) }
            #expect((try? fast.get()).map(PlainReading.init) == (try? plain.get()))
            if reads {
                #expect(try fast.get().samples == [1.5] && fast.get().counts == [3])
            } else {
                #expect(throws: DecodingError.self) { try fast.get() }
            }
        }
    }

    @Test("a missing field is keyNotFound naming it, as Codable reports it")
    func missingField() throws {
        struct Partial: Codable { var id: Int; var station: String }
        let bytes = try WireCoder.encode(Partial(id: 1, station: "Kew"))
        #expect {
            try WireCoder.decode(Reading.self, from: bytes)
        } throws: { error in
            guard case DecodingError.keyNotFound(let key, _) = error else { return false }
            return key.stringValue == "celsius"
        }
    }

    @Test("the macro's conformance writes Codable's bytes and reads them back")
    func macroConformance() throws {
        struct Plain: Codable, Equatable { var row: [Int]; var low: Int; var high: Int?; var label: String }
        let samples = [WireFieldsSample(row: [1, 2], low: 4, high: 8, label: "a"), WireFieldsSample(row: [], low: -1, high: nil, label: "")]
        let plain = samples.map { Plain(row: $0.row, low: $0.low, high: $0.high, label: $0.label) }
        #expect(try WireCoder.encode(samples) == WireCoder.encode(plain))
        #expect(try WireCoder.decode([WireFieldsSample].self, from: WireCoder.encode(plain)) == samples)
    }

    @Test("on any bytes, reading field by field ends as Codable does: the same values, or both throw")
    func fuzzAgainstCodable() throws {
        var random = FuzzRandom(seed: 2_12)
        let valid = try Self.readings.map { try WireCoder.encode($0) } + [try WireCoder.encode(Self.readings)]
        var (agreedValues, agreedErrors) = (0, 0)
        for round in 0..<4000 {
            var bytes = valid[round % valid.count]
            if round % 2 == 0 {
                for _ in 0..<(1 + Int(random.next() % 3)) {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                }
            } else {
                bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
            }
            if bytes.first == WireTag.array.rawValue {
                let fast = Result { try WireCoder.decode([Reading].self, from: bytes) }
                let slow = Result { try WireCoder.decode([PlainReading].self, from: bytes) }
                switch (fast, slow) {
                case (.success(let a), .success(let b)):
                    // Compared as bytes: a mutation may make a NaN, which is not equal to itself.
                    #expect(try WireCoder.encode(a.map(PlainReading.init)) == WireCoder.encode(b))
                    agreedValues += 1
                case (.failure, .failure): agreedErrors += 1
                default: Issue.record("field-by-field and Codable disagree on \(bytes): \(fast) \(slow)")
                }
            } else {
                let fast = Result { try WireCoder.decode(Reading.self, from: bytes) }
                let slow = Result { try WireCoder.decode(PlainReading.self, from: bytes) }
                switch (fast, slow) {
                case (.success(let a), .success(let b)):
                    #expect(try WireCoder.encode(PlainReading(a)) == WireCoder.encode(b))
                    agreedValues += 1
                case (.failure, .failure): agreedErrors += 1
                default: Issue.record("field-by-field and Codable disagree on \(bytes): \(fast) \(slow)")
                }
            }
        }
        #expect(agreedErrors > 0 && agreedValues > 0)
    }
}
