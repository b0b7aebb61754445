#if MPI
import Glibc
@_spi(Backend) import ParallelKit
/// The messages between rank 0 and the worker ranks: an MPI tag says which, and the bytes are the
/// payload followed by a fixed trailer, so that a received payload is the received array cut
/// short, never copied.
///
/// | tag | from | bytes |
/// |---|---|---|
/// | `run` | 0 | a batch (``WireCoder``-encoded inputs), task name, mangled type name, name length u32, type length u32, batch id u64 |
/// | `result` | worker | the encoded outputs, batch id u64 |
/// | `failure` | worker | an encoded `BatchFailure`, batch id u64 |
/// | `hello` | worker | host name, process id u32 |
/// | `stop` | 0 | nothing: finalize and exit |
///
/// `parallelkit run --mpi` (``MPIRunMessage``) uses `stop` and these:
///
/// | tag | from | bytes |
/// |---|---|---|
/// | `job` | 0 | a `WireCoder`-encoded `RemoteJob` |
/// | `jobDone` | worker | a `WireCoder`-encoded `RemoteJobResult` |
/// | `signal` | 0 | handle i32, signal i32 |
/// | `groupEnded` | worker | handle i32 |
/// | `ready` | worker | job slots u32, host name |
enum MPIMessage {
    enum Tag: Int32 {
        case run = 1
        case result = 2
        case failure = 3
        case hello = 4
        case stop = 5
        case job = 6
        case jobDone = 7
        case signal = 8
        case groupEnded = 9
        case ready = 10
    }

    /// A batch to run, as a worker rank receives it.
    struct Run {
        var id: UInt64
        var task: String
        var type: String
        var payload: [UInt8]
    }

    /// What follows a `run` message's payload for one task, before the batch id: built once
    /// for a whole map, not once a batch.
    struct RunTrailer {
        let bytes: [UInt8]

        init(task: String, type: String) {
            var bytes = Array(task.utf8)
            bytes.append(contentsOf: type.utf8)
            MPIMessage.append(UInt32(task.utf8.count), to: &bytes)
            MPIMessage.append(UInt32(type.utf8.count), to: &bytes)
            self.bytes = bytes
        }
    }

    static func run(id: UInt64, task: String, type: String, payload: [UInt8]) -> [UInt8] {
        let trailer = RunTrailer(task: task, type: type)
        var bytes = payload
        bytes.reserveCapacity(payload.count + trailer.bytes.count + 8)
        bytes.append(contentsOf: trailer.bytes)
        append(id, to: &bytes)
        return bytes
    }

    /// A `run` message in a buffer of its own (for ``MPIComm/send(owned:to:tag:)``): `write`
    /// fills the first `payloadBytes`, then come `trailer` and `id`.
    static func run(
        id: UInt64, trailer: RunTrailer, payloadBytes: Int, write: (UnsafeMutableRawPointer) -> Void
    ) -> UnsafeMutableRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: payloadBytes + trailer.bytes.count + 8, alignment: 16)
        write(buffer.baseAddress!)
        trailer.bytes.withUnsafeBytes { (buffer.baseAddress! + payloadBytes).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        buffer.storeBytes(of: id.littleEndian, toByteOffset: payloadBytes + trailer.bytes.count, as: UInt64.self)
        return buffer
    }

    static func parseRun(_ bytes: consuming [UInt8]) -> Run? {
        guard bytes.count >= 16 else { return nil }
        let id = read(UInt64.self, from: bytes, at: bytes.count - 8)
        let typeLength = Int(read(UInt32.self, from: bytes, at: bytes.count - 12))
        let nameLength = Int(read(UInt32.self, from: bytes, at: bytes.count - 16))
        let payloadLength = bytes.count - 16 - typeLength - nameLength
        guard payloadLength >= 0 else { return nil }
        let task = String(decoding: bytes[payloadLength..<(payloadLength + nameLength)], as: UTF8.self)
        let type = String(decoding: bytes[(payloadLength + nameLength)..<(bytes.count - 16)], as: UTF8.self)
        bytes.removeLast(bytes.count - payloadLength)
        return Run(id: id, task: task, type: type, payload: bytes)
    }

    /// The id of a batch for the same task as `trailer`, with `bytes` cut to its payload; `nil`,
    /// with `bytes` untouched, when the batch is for another task (read it with ``parseRun(_:)``).
    /// A worker rank compares the names' bytes instead of decoding them, a batch.
    static func parseRun(_ bytes: inout [UInt8], sameTaskAs trailer: RunTrailer) -> UInt64? {
        let payloadLength = bytes.count - 8 - trailer.bytes.count
        guard payloadLength >= 0 else { return nil }
        let same = bytes.withUnsafeBytes { message in
            trailer.bytes.withUnsafeBytes { known in
                memcmp(message.baseAddress! + payloadLength, known.baseAddress!, known.count) == 0
            }
        }
        guard same else { return nil }
        let id = read(UInt64.self, from: bytes, at: bytes.count - 8)
        bytes.removeLast(bytes.count - payloadLength)
        return id
    }

    /// A batch's answer in a buffer of its own (for ``MPIComm/send(owned:to:tag:)``): its
    /// encoded outputs, or its encoded failure, with `id` after it; and the tag it goes with.
    static func answer(id: UInt64, _ outcome: Result<[UInt8], BatchFailure>) -> (UnsafeMutableRawBufferPointer, Tag) {
        let payload: [UInt8]
        let tag: Tag
        switch outcome {
        case .success(let outputs): (payload, tag) = (outputs, .result)
        case .failure(let failure): (payload, tag) = ((try? WireCoder.encode(failure)) ?? [], .failure)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: payload.count + 8, alignment: 16)
        payload.withUnsafeBytes { if let source = $0.baseAddress { buffer.baseAddress!.copyMemory(from: source, byteCount: $0.count) } }
        buffer.storeBytes(of: id.littleEndian, toByteOffset: payload.count, as: UInt64.self)
        return (buffer, tag)
    }

    /// The batch id and the payload of a result or a failure.
    static func parseAnswer(_ bytes: consuming [UInt8]) -> (id: UInt64, payload: [UInt8])? {
        guard bytes.count >= 8 else { return nil }
        let id = read(UInt64.self, from: bytes, at: bytes.count - 8)
        bytes.removeLast(8)
        return (id, bytes)
    }

    static func hello(host: String, pid: Int32) -> [UInt8] {
        var bytes = Array(host.utf8)
        append(UInt32(bitPattern: pid), to: &bytes)
        return bytes
    }

    static func parseHello(_ bytes: [UInt8]) -> (host: String, pid: Int32)? {
        guard bytes.count >= 4 else { return nil }
        let pid = Int32(bitPattern: read(UInt32.self, from: bytes, at: bytes.count - 4))
        return (String(decoding: bytes.dropLast(4), as: UTF8.self), pid)
    }

    private static func append<Integer: FixedWidthInteger>(_ value: Integer, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func read<Integer: FixedWidthInteger>(_ type: Integer.Type, from bytes: [UInt8], at offset: Int) -> Integer {
        var value = Integer.zero
        withUnsafeMutableBytes(of: &value) { target in
            bytes.withUnsafeBytes { source in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + MemoryLayout<Integer>.size)]))
            }
        }
        return Integer(littleEndian: value)
    }
}
#endif
