import ParallelKitSystem
import ParallelKitTestSupport
import Testing

@testable import ParallelKit

/// Both ends of a Unix stream socket pair, each as a channel (`close` them with `closePair`).
func channelPair() -> (FrameChannel, FrameChannel) {
    var pair: [Int32] = [-1, -1]
    #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0)
    return (FrameChannel(fd: pair[0]), FrameChannel(fd: pair[1]))
}

@Suite("FrameChannel")
struct FrameChannelTests {
    @Test("messages cross in order, small and large (a frame bigger than the socket buffer and the read buffer)")
    func roundTrips() async throws {
        let (left, right) = channelPair()
        defer {
            close(left.fd)
            close(right.fd)
        }
        let large = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let messages: [WireMessage] = [.ready, .run(id: 1, task: "t", payload: [1, 2, 3]), .result(id: 1, payload: large), .ready]
        // The large frame fills the socket: the reader must run while the writer writes.
        let readerFD = right.fd
        let reader = Task {
            try await offCooperativePool { () throws(FrameChannel.Failure) -> [WireMessage?] in
                let channel = FrameChannel(fd: readerFD)
                var received: [WireMessage?] = []
                for _ in messages { received.append(try channel.receive(timeout: .seconds(10))) }
                received.append(try channel.receiveIfReady(spinningMicroseconds: 0))
                return received
            }
        }
        for message in messages { try left.send(message) }
        #expect(try await reader.value == messages + [nil])
    }

    @Test("a receive gives up after its timeout, keeping a partial frame for the next one")
    func timeouts() throws {
        let (left, right) = channelPair()
        defer {
            close(left.fd)
            close(right.fd)
        }
        let frame = try WireMessage.run(id: 9, task: "x", payload: [5]).framed()
        try writeAll(left.fd, Array(frame.prefix(6)))
        let start = MonotonicClock.nanoseconds()
        #expect(throws: FrameChannel.Failure.timedOut) { _ = try right.receive(timeout: .milliseconds(50)) }
        #expect(MonotonicClock.nanoseconds() - start >= 50_000_000)
        try writeAll(left.fd, Array(frame.dropFirst(6)))
        #expect(try right.receive(timeout: .seconds(5)) == .run(id: 9, task: "x", payload: [5]))
    }

    @Test("a peer that hung up: sending is notDelivered, receiving is closed")
    func hangUps() throws {
        let (left, right) = channelPair()
        defer { close(left.fd) }
        close(right.fd)
        #expect(throws: FrameChannel.Failure.notDelivered) { try left.send(.ready) }
        #expect(throws: FrameChannel.Failure.closed) { _ = try left.receive(timeout: .seconds(5)) }
        #expect(throws: FrameChannel.Failure.closed) { _ = try left.receiveIfReady(spinningMicroseconds: 0) }
    }
}
