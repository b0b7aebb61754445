/// Arrays of plain numbers in ``WireCoder``'s packed form, for a backend that builds its own
/// messages (`@_spi(Backend)`): it writes the header and copies the elements' bytes straight
/// into its send buffer, and copies a received block straight into place, with no array, encoder
/// or generic code per batch. The bytes are exactly those `WireCoder.encode([Element])` writes
/// and `WireCoder.decode([Element].self, from:)` reads, so either side may use either.
///
/// ```swift
/// if let packed = PackedElements(Int.self) {
///     let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: packed.byteCount(3), alignment: 8)
///     packed.writeHeader(count: 3, to: bytes.baseAddress!)
///     [1, 2, 3].withUnsafeBytes { (bytes.baseAddress! + PackedElements.headerSize).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
/// }
/// ```
@_spi(Backend) public struct PackedElements: Sendable {
    /// Tag, kind byte and a `UInt32` count.
    public static let headerSize = 6

    /// The element type's kind byte in the format.
    public let kind: UInt8
    /// Bytes per element.
    public let stride: Int

    /// The packed form of `[Element]`; `nil` when `[Element]` is not packed, and for `Bool`,
    /// whose bytes must be checked one by one when read.
    public init?<Element>(_: Element.Type) {
        guard Element.self != Bool.self, let (kind, codec) = PackedCodec.of([Element].self) else { return nil }
        self.kind = kind
        stride = codec.stride
    }

    /// The encoded size of `count` elements.
    public func byteCount(_ count: Int) -> Int { Self.headerSize + count * stride }

    /// Writes the header of a block of `count` elements at `target`; the elements follow it.
    public func writeHeader(count: Int, to target: UnsafeMutableRawPointer) {
        target.storeBytes(of: WireTag.packed.rawValue, as: UInt8.self)
        target.storeBytes(of: kind, toByteOffset: 1, as: UInt8.self)
        target.storeBytes(of: UInt32(count).littleEndian, toByteOffset: 2, as: UInt32.self)
    }

    /// `count` elements, whose bytes are `elements`, in the packed form: what
    /// `WireCoder.encode` writes for their array, copied at once.
    public func encode(_ elements: UnsafeRawBufferPointer, count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: byteCount(count)) { bytes, initialized in
            let target = UnsafeMutableRawPointer(bytes.baseAddress!)
            writeHeader(count: count, to: target)
            if let start = elements.baseAddress {
                (target + Self.headerSize).copyMemory(from: start, byteCount: count * stride)
            }
            initialized = bytes.count
        }
    }

    /// How many elements `bytes` holds when it is exactly one packed block of this kind, else `nil`
    /// (then decode it with ``WireCoder``, which says what is wrong).
    public func count(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= Self.headerSize, bytes[0] == WireTag.packed.rawValue, bytes[1] == kind else { return nil }
        let count = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt32.self)))
        return bytes.count == byteCount(count) ? count : nil
    }
}
