import Testing

@_spi(Backend) @testable import ParallelKit

@Suite("PackedElements")
struct PackedElementsTests {
    @Test("its blocks are the bytes WireCoder writes for the array, and WireCoder reads them back")
    func sameBytesAsTheCoder() throws {
        let ints = [0, -1, .max, .min, 42]
        let intBlock = try #require(PackedElements(Int.self))
        let written = ints.withUnsafeBytes { intBlock.encode($0, count: ints.count) }
        #expect(written == (try WireCoder.encode(ints)))
        #expect(try WireCoder.decode([Int].self, from: written) == ints)
        let doubles = [0.5, -.infinity, .leastNonzeroMagnitude]
        let doubleBlock = try #require(PackedElements(Double.self))
        #expect(doubles.withUnsafeBytes { doubleBlock.encode($0, count: doubles.count) } == (try WireCoder.encode(doubles)))
        let bytes: [UInt8] = [1, 2, 255]
        let byteBlock = try #require(PackedElements(UInt8.self))
        #expect(bytes.withUnsafeBytes { byteBlock.encode($0, count: 3) } == (try WireCoder.encode(bytes)))
        #expect(intBlock.encode(UnsafeRawBufferPointer(start: nil, count: 0), count: 0) == (try WireCoder.encode([Int]())))
        #expect(intBlock.byteCount(5) == written.count)
    }

    @Test("a block's count is read only from exactly one block of its own kind")
    func count() throws {
        let block = try #require(PackedElements(Int.self))
        let written = try WireCoder.encode(Array(0..<100))
        #expect(written.withUnsafeBytes { block.count(in: $0) } == 100)
        #expect(Array(written.dropLast()).withUnsafeBytes { block.count(in: $0) } == nil)  // truncated
        #expect((written + [0]).withUnsafeBytes { block.count(in: $0) } == nil)  // a byte after it
        #expect(try WireCoder.encode(Array(0..<100).map(Double.init)).withUnsafeBytes { block.count(in: $0) } == nil)
        #expect(try WireCoder.encode(["a"]).withUnsafeBytes { block.count(in: $0) } == nil)
        #expect([UInt8]().withUnsafeBytes { block.count(in: $0) } == nil)
    }

    @Test("only arrays of plain numbers are packed; Bool (whose bytes must be checked) is not")
    func which() {
        #expect(PackedElements(Int.self)?.stride == 8)
        #expect(PackedElements(Float.self)?.stride == 4)
        #expect(PackedElements(Int16.self)?.stride == 2)
        #expect(PackedElements(Bool.self) == nil)
        #expect(PackedElements(String.self) == nil)
        #expect(PackedElements([Int].self) == nil)
    }
}
