import ParallelKitSystem
import ParallelKitTestSupport
import ParallelKitTestTasks
import Testing

@_spi(Backend) @testable import ParallelKit

/// A pool of one test worker with a small message limit and retries, to see that nothing too
/// large is ever retried.
private func limitedPool(maxMessageBytes: Int = 1 << 20) async throws(BackendError) -> ProcessPool {
    WorkerTasks.register(allTestTasks)
    return try await ProcessPool(
        workers: 1, executable: testWorkerPath(), retries: 2, maxMessageBytes: maxMessageBytes, accepting: testWorkerBuild())
}

@Suite("WireLimits")
struct WireLimitsTests {
    // MARK: The channel

    @Test("a header claiming 4 GB is refused before anything is allocated, naming its size and the limit")
    func hugeHeader() throws {
        let (left, right) = channelPair()
        defer {
            close(left.fd)
            close(right.fd)
        }
        try writeAll(left.fd, [0xff, 0xff, 0xff, 0xff, 5])
        #expect(throws: FrameChannel.Failure.oversized(bytes: 4_294_967_295, limit: WireLimits.defaultMaxMessageBytes)) {
            _ = try right.receive(timeout: .seconds(5))
        }
    }

    @Test("the limit is the channel's: a message over it is refused before a byte is sent, a header over it before it is read")
    func settableLimit() throws {
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0)
        let left = FrameChannel(fd: pair[0], maxMessageBytes: 1000)
        let right = FrameChannel(fd: pair[1], maxMessageBytes: 1000)
        defer {
            close(pair[0])
            close(pair[1])
        }
        let payload = [UInt8](repeating: 1, count: 1000 - 9)
        #expect(throws: FrameChannel.Failure.oversized(bytes: 1001, limit: 1000)) {
            try left.send(.result(id: 1, payload: payload + [2]))
        }
        #expect(try right.receiveIfReady(spinningMicroseconds: 0) == nil)  // nothing was sent
        try left.send(.result(id: 2, payload: payload))
        #expect(try right.receive(timeout: .seconds(5)) == .result(id: 2, payload: payload))
        try writeAll(pair[0], [0xe9, 0x03, 0, 0])  // 1001
        #expect(throws: FrameChannel.Failure.oversized(bytes: 1001, limit: 1000)) { _ = try right.receive(timeout: .seconds(5)) }
    }

    @Test("large run, initialize and result frames arrive whole (read straight into their payload), between small ones")
    func largeFrames() async throws {
        let (left, right) = channelPair()
        defer {
            close(left.fd)
            close(right.fd)
        }
        let large = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let messages: [WireMessage] = [
            .ready, .result(id: 7, payload: large), .run(id: 8, task: "a task", payload: large), .ready,
            .initialize(task: "init", payload: Array(large.prefix(FrameChannel.directPayloadBytes))), .result(id: 9, payload: []),
        ]
        // Both ends off the cooperative pool: a writer blocked on a full socket there, while the
        // reader's task waits for a cooperative thread to start, would stall every other test.
        let (readerFD, writerFD) = (right.fd, left.fd)
        async let received = offCooperativePool { () throws(FrameChannel.Failure) -> [WireMessage] in
            let channel = FrameChannel(fd: readerFD)
            var received: [WireMessage] = []
            for _ in messages { received.append(try channel.receive(timeout: .seconds(20))) }
            return received
        }
        async let sent: Void = offCooperativePool { () throws(FrameChannel.Failure) in
            let channel = FrameChannel(fd: writerFD)
            for message in messages { try channel.send(message) }
        }
        try await sent
        #expect(try await received == messages)
    }

    // MARK: A pool of real workers

    @Test("a result over the limit: messageTooLarge naming its size and the limit, run once with retries: 2, the worker kept")
    func tooLargeResult() async throws {
        let pool = try await limitedPool()
        defer { pool.terminate() }
        let workers = pool.workerPIDs
        let runs = try SharedValue<Int>(0)
        let started = ContinuousClock.now
        await #expect {
            _ = try await pool.apply(LargeResultTask.self, .init(bytes: 2 << 20, runs: runs))
        } throws: { error in
            guard let error = error as? BackendError, error.code == .messageTooLarge else { return false }
            let text = "\(error)"
            return error.messageBytes.map { $0 > 2 << 20 } == true && error.maxMessageBytes == 1 << 20
                && text.contains("\(error.messageBytes!)") && text.contains("\(1 << 20)") && text.contains("result")
        }
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(runs.load() == 1)
        #expect(pool.workerPIDs == workers)
        #expect(try await pool.apply(SquareTask.self, 9) == 81)
    }

    @Test("inputs over the limit: messageTooLarge for the inputs, nothing sent, the worker kept")
    func tooLargeInputs() async throws {
        let pool = try await limitedPool()
        defer { pool.terminate() }
        let workers = pool.workerPIDs
        await #expect {
            _ = try await pool.apply(InitializeTask.self, String(repeating: "y", count: 2 << 20))
        } throws: { error in
            guard let error = error as? BackendError else { return false }
            return error.code == .messageTooLarge && error.maxMessageBytes == 1 << 20 && error.detail == "inputs"
        }
        #expect(pool.workerPIDs == workers)
        #expect(try await pool.apply(SquareTask.self, 4) == 16)
    }

    @Test("a worker whose answer claims 4 GB: messageTooLarge, run once with retries: 2, the worker replaced")
    func hugeHeaderFromWorker() async throws {
        let pool = try await limitedPool(maxMessageBytes: WireLimits.defaultMaxMessageBytes)
        defer { pool.terminate() }
        let runs = try SharedValue<Int>(0)
        let started = ContinuousClock.now
        await #expect {
            _ = try await pool.apply(HugeHeaderTask.self, runs)
        } throws: { error in
            guard let error = error as? BackendError else { return false }
            return error.code == .messageTooLarge && error.messageBytes == 4_294_967_295
                && error.maxMessageBytes == WireLimits.defaultMaxMessageBytes
        }
        #expect(ContinuousClock.now - started < .seconds(20))  // the task sleeps 30 s: its worker was killed
        #expect(runs.load() == 1)
        #expect(try await pool.apply(SquareTask.self, 3) == 9)
    }

    @Test("WorkerProcess: an output over its limit fails join() with messageTooLarge")
    func workerProcessLimit() async throws {
        let process = WorkerProcess(
            LargeResultTask.self, .init(bytes: 2 << 20), executable: testWorkerPath(), maxMessageBytes: 1 << 20,
            accepting: testWorkerBuild())
        process.start()
        await #expect {
            _ = try await process.join()
        } throws: { error in
            (error as? BackendError)?.code == .messageTooLarge && (error as? BackendError)?.maxMessageBytes == 1 << 20
        }
    }
}
