/// One record of a memory's log: a 64-byte header, then the payload (an entry's encoded output).
///
/// ```
///  0  magic "PKM1"        4 bytes
///  4  kind                4 bytes: 0 an entry, 1 a touch (the key was used; no payload),
///                             2 a function's entry (the payload starts with the function's
///                             8-byte tag, ``KeyPrefix/tag``, then the output),
///                             3 a map's journal record (only in `journals/`: ``RunJournal``)
///  8  payload length      8 bytes
/// 16  time               8 bytes: nanoseconds since 1970, when written or last used
/// 24  key               32 bytes
/// 56  checksum           8 bytes: over bytes 0..<56 and the payload
/// 64  payload
/// ```
///
/// All little-endian. A record whose checksum does not match is never read as a hit: a torn
/// write (a crash, a full disk) or a damaged file ends as a miss.
enum EntryRecord {
    static let headerSize = 64
    static let magic: UInt32 = 0x314D_4B50  // "PKM1"

    enum Kind: UInt32 {
        case entry = 0
        case touch = 1
        case taggedEntry = 2
        case journal = 3
    }

    /// Bytes of a function's tag at the start of a ``Kind/taggedEntry`` payload.
    static let tagSize = 8

    struct Header {
        var kind: Kind
        var length: Int
        var time: UInt64
        var key: MemoryKey
        var checksum: UInt64
    }

    /// Appends a record to `bytes`; with a `tag`, a ``Kind/taggedEntry`` whose payload is the
    /// tag, then `payload`.
    static func append(
        kind: Kind, key: MemoryKey, time: UInt64, tag: UInt64? = nil, payload: UnsafeRawBufferPointer,
        to bytes: inout [UInt8]
    ) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: headerSize))
        if let tag { withUnsafeBytes(of: tag.littleEndian) { bytes.append(contentsOf: $0) } }
        bytes.append(contentsOf: payload)
        let length = bytes.count - start - headerSize
        bytes.withUnsafeMutableBytes { raw in
            let record = UnsafeMutableRawBufferPointer(rebasing: raw[start...])
            record.storeBytes(of: magic.littleEndian, toByteOffset: 0, as: UInt32.self)
            record.storeBytes(of: (tag == nil ? kind : .taggedEntry).rawValue.littleEndian, toByteOffset: 4, as: UInt32.self)
            record.storeBytes(of: UInt64(length).littleEndian, toByteOffset: 8, as: UInt64.self)
            record.storeBytes(of: time.littleEndian, toByteOffset: 16, as: UInt64.self)
            withUnsafeBytes(of: key.words) { key in
                record.baseAddress!.advanced(by: 24).copyMemory(from: key.baseAddress!, byteCount: 32)
            }
            let sum = checksum(
                header: UnsafeRawBufferPointer(rebasing: record[0..<56]),
                payload: UnsafeRawBufferPointer(rebasing: record[headerSize...]))
            record.storeBytes(of: sum.littleEndian, toByteOffset: 56, as: UInt64.self)
        }
    }

    /// The header at the start of `raw`, or nil when `raw` is too short or does not start with
    /// the magic number (a torn or damaged record).
    static func header(_ raw: UnsafeRawBufferPointer) -> Header? {
        guard raw.count >= headerSize,
            UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)) == magic,
            let kind = Kind(rawValue: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
        else { return nil }
        let length = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        guard length <= UInt64(Int.max - headerSize) else { return nil }
        return Header(
            kind: kind, length: Int(length),
            time: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
            key: MemoryKey(digest: UnsafeRawBufferPointer(rebasing: raw[24..<56])),
            checksum: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 56, as: UInt64.self)))
    }

    /// Whether the record at the start of `raw` (header and payload, `raw` at least that long)
    /// has the checksum it carries.
    static func isIntact(_ raw: UnsafeRawBufferPointer, _ header: Header) -> Bool {
        checksum(
            header: UnsafeRawBufferPointer(rebasing: raw[0..<56]),
            payload: UnsafeRawBufferPointer(rebasing: raw[headerSize..<headerSize + header.length])) == header.checksum
    }

    /// A fast 64-bit checksum (multiply–rotate over 8-byte words, then a final avalanche): it
    /// tells torn and damaged records from good ones at several GB/s. Not a defence against
    /// someone who writes records on purpose: whoever can write the directory can write results.
    static func checksum(header: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) -> UInt64 {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        mix(header, into: &state)
        mix(payload, into: &state)
        state ^= UInt64(payload.count)
        state ^= state >> 33
        state &*= 0xFF51_AFD7_ED55_8CCD
        state ^= state >> 33
        state &*= 0xC4CE_B9FE_1A85_EC53
        state ^= state >> 33
        return state
    }

    @inline(__always)
    private static func mix(_ raw: UnsafeRawBufferPointer, into state: inout UInt64) {
        let words = raw.count / 8
        var index = 0
        while index < words {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
            state = ((state ^ (word &* 0x87C3_7B91_1142_53D5)).rotated(31)) &* 0x4CF5_AD43_2745_937F
            index += 1
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        for offset in (words * 8)..<raw.count {
            tail |= UInt64(raw[offset]) << shift
            shift += 8
        }
        state = ((state ^ (tail &* 0x87C3_7B91_1142_53D5)).rotated(31)) &* 0x4CF5_AD43_2745_937F
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotated(_ bits: UInt64) -> UInt64 { (self << bits) | (self >> (64 - bits)) }
}
