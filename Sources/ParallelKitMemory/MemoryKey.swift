import Crypto
import ParallelKit

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
/// then the input's canonical bytes. (Bytes, not a started `SHA256`, which is not `Sendable`.)
struct KeyPrefix: Sendable {
    private let header: [UInt8]

    /// `signature` names the task and its types; `build` is the executable's build ID when the
    /// memory folds it in.
    init(signature: String, version: Int, build: String?) {
        var header: [UInt8] = Array("ParallelKitMemory key 1\0".utf8)
        CanonicalSlot.appendString(signature, to: &header)
        CanonicalSlot.appendLength(version, to: &header)
        CanonicalSlot.appendString(build ?? "", to: &header)
        self.header = header
    }

    func key<Input: Encodable>(_ input: Input) throws(MemoryError) -> MemoryKey {
        var bytes = header
        bytes.reserveCapacity(header.count + 64)
        try CanonicalEncoder.encode(input, into: &bytes)
        var hasher = SHA256()
        hasher.update(data: bytes)
        return hasher.finalize().withUnsafeBytes { MemoryKey(digest: $0) }
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
