import CParallelKit
import ParallelKitSystem
import ParallelKitTestSupport
import Synchronization
import Testing

@testable import ParallelKit

@Suite("System layer")
struct SystemCallTests {
    @Test("EINTR is retried until the call answers")
    func retriesInterruptedCalls() throws {
        var calls = 0
        let result = try systemCall("read") { () -> Int in
            calls += 1
            if calls < 4 {
                errno = EINTR
                return -1
            }
            return 7
        }
        #expect(result == 7)
        #expect(calls == 4)
    }

    @Test("a real read interrupted by a signal is retried and returns the data")
    func retriesARealInterruptedRead() async throws {
        var pipeEnds: [Int32] = [-1, -1]
        #expect(pipe(&pipeEnds) == 0)
        defer { close(pipeEnds[0]); close(pipeEnds[1]) }
        // A handler without SA_RESTART, so the blocked read fails with EINTR.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        var previous = sigaction()
        #expect(sigaction(SIGUSR2, &action, &previous) == 0)
        defer { sigaction(SIGUSR2, &previous, nil) }

        let calls = Atomic<Int>(0)
        let readFD = pipeEnds[0]
        let reader = TestThread {
            var unblocked = sigset_t()
            sigemptyset(&unblocked)
            sigaddset(&unblocked, SIGUSR2)
            pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
            var byte: UInt8 = 0
            let got = try? systemCall("read") { () -> Int in
                calls.add(1, ordering: .relaxed)
                return read(readFD, &byte, 1)
            }
            return (got ?? -1, byte)
        }
        // Interrupt the reader until it has retried at least once, then give it a byte.
        // Bounded, so that a signal that never arrives fails the test instead of hanging it.
        for _ in 0..<2000 where calls.load(ordering: .relaxed) < 2 {
            pthread_kill(reader.thread, SIGUSR2)
            try await Task.sleep(for: .milliseconds(2))
        }
        var byte: UInt8 = 42
        #expect(write(pipeEnds[1], &byte, 1) == 1)
        let (got, value) = reader.join()
        #expect(got == 1)
        #expect(value == 42)
        #expect(calls.load(ordering: .relaxed) >= 2)
    }

    @Test("a failure throws the call's name and errno")
    func mapsErrors() {
        #expect(throws: SystemError(call: "open", errno: ENOENT)) {
            try systemCall("open") { open("/nonexistent/parallelkit", O_RDONLY) }
        }
        let error = SystemError(call: "open", errno: ENOENT)
        #expect(error.description == "open: No such file or directory (errno 2)")
        #expect(throws: SystemError(call: "posix_spawn", errno: EACCES)) {
            try systemCallReturningError("posix_spawn") { EACCES }
        }
    }

    @Test("EBADF stops the program: it can only be a bug")
    func trapsOnBadDescriptors() async {
        await #expect(processExitsWith: .failure) {
            _ = try? systemCall("close") { close(-1) }
        }
    }

    @Test("writeAll writes every byte through a pipe smaller than the data")
    func writesEverything() throws {
        var ends: [Int32] = [-1, -1]
        #expect(pk_pipe_cloexec(&ends, 1) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let data = (0..<300_000).map { UInt8(truncatingIfNeeded: $0) }
        let readFD = ends[0]
        let reader = TestThread { () -> ([UInt8], Int) in
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while received.count < data.count {
                let got = chunk.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
                if got > 0 { received += chunk[0..<got] } else { usleep(100) }
            }
            return (received, 0)
        }
        try writeAll(ends[1], data)
        #expect(reader.join().0 == data)
        #expect(throws: SystemError(call: "write", errno: EPIPE)) {
            close(ends[0])
            signal(SIGPIPE, SIG_IGN)
            try writeAll(ends[1], [1, 2, 3])
        }
    }

    @Test("termination statuses decode wait statuses", arguments: [
        (Int32(0), TerminationStatus.exited(0)), (3 << 8, .exited(3)), (9, .signaled(9)), (0x86, .signaled(6)),
    ])
    func decodesWaitStatuses(status: Int32, expected: TerminationStatus) {
        #expect(TerminationStatus(waitStatus: status) == expected)
        #expect(expected.shellStatus == (status & 0x7f == 0 ? (status >> 8) : 128 + (status & 0x7f)))
    }

    @Test("teardown parses GNU's --termseq and kills a process that ignores TERM")
    func teardown() async throws {
        #expect(Teardown.parse("TERM,200,TERM,100,TERM,50,KILL,25") == .gnuDefault)
        #expect(Teardown.parse("SIGINT,10,9")?.steps.map(\.signal) == [SIGINT, SIGKILL])
        #expect(Teardown.parse("TERM,x") == nil)
        #expect(Teardown.parse("") == nil)

        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup("trap '' TERM; sleep 30"), nil]
        defer { argv.forEach { free($0) } }
        #expect(posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ) == 0)
        let sequence = Teardown([.init(signal: SIGTERM, allowed: .milliseconds(50)), .init(signal: SIGKILL, allowed: .seconds(5))])
        // The shell's head start and the teardown (it waits between its signals) run off the
        // cooperative pool, and together: the TERM must come within the shell's 30 s.
        let child = pid
        let (ended, status) = await offCooperativePool { () -> (Bool, Int32) in
            usleep(100_000)
            var status: Int32 = 0
            let ended = sequence.run(on: .process(child)) { waitpid(child, &status, WNOHANG) == child }
            return (ended, status)
        }
        #expect(ended)
        #expect(TerminationStatus(waitStatus: status) == .signaled(SIGKILL))
    }

    @Test("small files read whole, and a missing one is nil")
    func smallFiles() throws {
        #expect(SmallFile.text("/proc/self/stat")?.hasPrefix("\(getpid()) ") == true)
        #expect(SmallFile.text("/nonexistent/parallelkit") == nil)
        #expect(throws: SystemError(call: "open", errno: ENOENT)) { try SmallFile.bytes("/nonexistent/parallelkit") }
        #expect(try SmallFile.bytes("/proc/self/stat", limit: 3).count == 3)
    }

    @Test("the monotonic clock moves forward and converts durations")
    func clock() async throws {
        let start = MonotonicClock.nanoseconds()
        try await Task.sleep(for: .milliseconds(2))
        #expect(MonotonicClock.nanoseconds() - start >= 2_000_000)
        #expect(MonotonicClock.nanoseconds(.milliseconds(3)) == 3_000_000)
        #expect(MonotonicClock.nanoseconds(.seconds(-1)) == 0)
        #expect(MonotonicClock.deadline(after: .seconds(Int64.max)) == .max)
        // The coarse clock is the same clock at the last tick: never ahead of it, and behind it
        // by a tick at most (generous: a loaded machine may be slow between the two reads).
        let coarse = MonotonicClock.coarseNanoseconds()
        let precise = MonotonicClock.nanoseconds()
        #expect(coarse <= precise && precise - coarse < 100_000_000)
        #expect(MonotonicClock.coarseNanoseconds() >= coarse)
    }
}

/// An OS thread running `body`, for tests that signal a thread by its id.
private struct TestThread<Value: Sendable> {
    let thread: pthread_t
    private let result = ResultBox<Value>()

    init(_ body: @escaping @Sendable () -> Value) {
        let result = self.result
        thread = OSThread.start(name: "pk-test", joinable: true) { result.value.withLock { $0 = body() } }
    }

    func join() -> Value {
        pthread_join(thread, nil)
        return result.value.withLock { $0! }
    }
}

private final class ResultBox<Value: Sendable>: Sendable {
    let value = Mutex<Value?>(nil)
}
