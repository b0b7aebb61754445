import Crypto
@_spi(Backend) import ParallelKit

/// The key of one cached result: SHA-256 of the task's signature (its name, input and output
/// types), its version, and the canonical bytes of the input (``CanonicalEncoder``).
public struct MemoryKey: Hashable, Sendable, CustomStringConvertible {
    var words: (UInt64, UInt64, UInt64, UInt64)

    init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    /// The key of a SHA-256 digest's 32 bytes.
    init(digest raw: UnsafeRawBufferPointer) {
        words = (
            raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
        )
    }

    public static func == (left: MemoryKey, right: MemoryKey) -> Bool {
        left.words.0 == right.words.0 && left.words.1 == right.words.1 && left.words.2 == right.words.2
            && left.words.3 == right.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
    }

    /// The 32 bytes, in order.
    var bytes: [UInt8] {
        withUnsafeBytes(of: words) { Array($0) }
    }

    /// The key in hex, 64 digits.
    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// Everything in a key but the input, written once per cached function; each key hashes it and
/// then the input's canonical bytes.
struct KeyPrefix: Sendable {
    /// SHA-256 with the key's header (a format line, the signature, the version, the build ID)
    /// absorbed: a key copies it and hashes only its input, one block for a
    /// plain number instead of two.
    ///
    /// `SHA256` is not `Sendable` (its state is a class), but this one is never written: every key
    /// works on a copy, and the copy's first `update` makes a state of its own (copy-on-write)
    /// before writing, so threads only read the shared state, and retain it atomically.
    private nonisolated(unsafe) let started: SHA256
    /// The function's tag, stored with each of its entries so that ``CachedFunction/clear()``
    /// can find them: the first 8 bytes of the SHA-256 of its signature (every version's).
    let tag: UInt64

    /// `signature` names the task and its types; `build` is the executable's build ID when the
    /// memory folds it in.
    init(signature: String, version: Int, build: String?) {
        var header: [UInt8] = Array("ParallelKitMemory key 1\0".utf8)
        CanonicalSlot.appendString(signature, to: &header)
        CanonicalSlot.appendLength(version, to: &header)
        CanonicalSlot.appendString(build ?? "", to: &header)
        var started = SHA256()
        started.update(data: header)
        self.started = started
        var tagged: [UInt8] = Array("ParallelKitMemory tag 1\0".utf8)
        CanonicalSlot.appendString(signature, to: &tagged)
        tag = SHA256.hash(data: tagged).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    }

    func key<Input: Encodable>(_ input: Input) throws(MemoryError) -> MemoryKey {
        if let word = Self.plainWord(input) { return key(word) }
        return try encodedKey(input)
    }

    /// The key of `input` through the canonical encoder, whatever its type (tests compare the
    /// plain numbers' path with it).
    func encodedKey<Input: Encodable>(_ input: Input) throws(MemoryError) -> MemoryKey {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        try CanonicalEncoder.encode(input, into: &bytes)
        var hasher = started
        hasher.update(data: bytes)
        return hasher.finalize().withUnsafeBytes { MemoryKey(digest: $0) }
    }

    /// The key of a whole map's inputs, for its journal (``RunJournal``): their canonical bytes
    /// when the array's contents are read from its bytes (plain numbers, at GB/s), else their
    /// wire encoding — the same for the same inputs in every run but for values whose encoding
    /// is not their contents (dictionaries' order, shared memory): those miss the journal and
    /// are found through the index, one key at a time.
    func runKey<Input: Encodable>(_ inputs: [Input]) throws(MemoryError) -> MemoryKey {
        var bytes: [UInt8] = Array("run\0".utf8)
        if let plain = inputs as? any CanonicallyKeyed {
            try plain.writeCanonicalContents(into: &bytes, codingPath: [])
        } else {
            do {
                bytes += try WireCoder.encode(inputs)
            } catch {
                throw MemoryError(.unkeyable, "the inputs of a map could not be encoded for its journal: \(error)")
            }
        }
        var hasher = started
        hasher.update(data: bytes)
        return hasher.finalize().withUnsafeBytes { MemoryKey(digest: $0) }
    }

    /// The key of an input whose canonical bytes are one tag and 8 bytes (``plainWord(_:)``):
    /// the same digest as ``key(_:)``'s general path, without an encoder or a buffer.
    private func key(_ word: (tag: CanonicalSlot.Tag, bits: UInt64)) -> MemoryKey {
        var hasher = started
        withUnsafeBytes(of: word.tag.rawValue) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: word.bits.littleEndian) { hasher.update(bufferPointer: $0) }
        return hasher.finalize().withUnsafeBytes { MemoryKey(digest: $0) }
    }

    /// The tag and bits `CanonicalPrimitive` writes for a bare integer or floating-point input
    /// (found by comparing metatypes, as the wire coder does: no cast, no encoder); nil for
    /// every other type.
    @inline(__always)
    static func plainWord<Input>(_ input: Input) -> (tag: CanonicalSlot.Tag, bits: UInt64)? {
        if Input.self == Int.self { return (.integer, UInt64(bitPattern: Int64(unsafeBitCast(input, to: Int.self)))) }
        if Input.self == Int64.self { return (.integer, UInt64(bitPattern: unsafeBitCast(input, to: Int64.self))) }
        if Input.self == Int32.self {
            return (.integer, UInt64(bitPattern: Int64(unsafeBitCast(input, to: Int32.self))))
        }
        if Input.self == UInt.self { return (.unsigned, UInt64(unsafeBitCast(input, to: UInt.self))) }
        if Input.self == UInt64.self { return (.unsigned, unsafeBitCast(input, to: UInt64.self)) }
        if Input.self == UInt32.self { return (.unsigned, UInt64(unsafeBitCast(input, to: UInt32.self))) }
        if Input.self == Double.self { return (.double, unsafeBitCast(input, to: Double.self).bitPattern) }
        if Input.self == Float.self { return (.float, UInt64(unsafeBitCast(input, to: Float.self).bitPattern)) }
        return nil
    }
}

/// SHA-256 of a large block of plain numbers, from its bytes. Above 8 MiB the block is cut into
/// 4 MiB pieces hashed on every core and the result is the SHA-256 of their digests (a tree of
/// fixed shape, so the same bytes always give the same digest).
enum PlainDigest {
    static let piece = 4 << 20

    static func sha256(_ raw: UnsafeRawBufferPointer) -> [UInt8] {
        guard raw.count > 2 * piece, let base = raw.baseAddress else { return Array(SHA256.hash(data: raw)) }
        let address = UInt(bitPattern: base)
        let count = raw.count
        let pieces = (count + piece - 1) / piece
        let digests = (0..<pieces).parallelMap { (index: Int) -> [UInt8] in
            let start = index * piece
            let bytes = UnsafeRawBufferPointer(
                start: UnsafeRawPointer(bitPattern: address)! + start, count: min(piece, count - start))
            return Array(SHA256.hash(data: bytes))
        }
        var hasher = SHA256()
        hasher.update(data: Array("ParallelKitMemory pieces\0".utf8))
        for digest in digests { hasher.update(data: digest) }
        return Array(hasher.finalize())
    }
}
