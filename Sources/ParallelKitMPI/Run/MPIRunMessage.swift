#if MPI
@_spi(Backend) import ParallelKit
import ParallelKitRun

/// The bytes of `parallelkit run --mpi`'s messages (their tags: ``MPIMessage/Tag``): jobs and
/// their results through ``WireCoder``, the small ones as little-endian integers.
enum MPIRunMessage {
    static func signal(handle: Int32, signal: Int32) -> [UInt8] { integers([handle, signal]) }

    static func groupEnded(handle: Int32) -> [UInt8] { integers([handle]) }

    static func ready(slots: Int, host: String) -> [UInt8] { integers([Int32(clamping: slots)]) + Array(host.utf8) }

    /// The integers at the start of `bytes` (`count` of them), or `nil` when it is too short.
    static func parseIntegers(_ bytes: [UInt8], count: Int) -> [Int32]? {
        guard bytes.count >= 4 * count else { return nil }
        return (0..<count).map { index in
            var value: UInt32 = 0
            for byte in bytes[(4 * index)..<(4 * index + 4)].reversed() { value = value << 8 | UInt32(byte) }
            return Int32(bitPattern: value)
        }
    }

    static func parseReady(_ bytes: [UInt8]) -> (slots: Int, host: String)? {
        guard let slots = parseIntegers(bytes, count: 1)?[0] else { return nil }
        return (Int(slots), String(decoding: bytes.dropFirst(4), as: UTF8.self))
    }

    static func job(_ job: RemoteJob) -> [UInt8] { (try? WireCoder.encode(job)) ?? [] }

    static func parseJob(_ bytes: [UInt8]) -> RemoteJob? { try? WireCoder.decode(RemoteJob.self, from: bytes) }

    static func result(_ result: RemoteJobResult) -> [UInt8] { (try? WireCoder.encode(result)) ?? [] }

    static func parseResult(_ bytes: [UInt8]) -> RemoteJobResult? {
        try? WireCoder.decode(RemoteJobResult.self, from: bytes)
    }

    private static func integers(_ values: [Int32]) -> [UInt8] {
        var bytes: [UInt8] = []
        for value in values {
            let bits = UInt32(bitPattern: value)
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> shift)) }
        }
        return bytes
    }
}
#endif
