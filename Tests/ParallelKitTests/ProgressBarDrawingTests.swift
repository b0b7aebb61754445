import Foundation
import ParallelKitTestSupport
import Synchronization
import Testing

@testable import ParallelKit

#if canImport(Glibc)
import Glibc
#endif

/// What `body` writes to the write end of a pipe, read as it goes (so that a full pipe never
/// blocks the writer), once `body` returns.
func capturedOutput(_ body: (Int32) -> Void) -> String {
    var fds: [Int32] = [-1, -1]
    precondition(pipe(&fds) == 0)
    let reader = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
    let collected = Mutex(Data())
    let finished = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        let data = reader.readDataToEndOfFile()
        collected.withLock { $0 = data }
        finished.signal()
    }
    body(fds[1])
    close(fds[1])
    finished.wait()
    return String(decoding: collected.withLock { $0 }, as: UTF8.self)
}

/// The frames of a bar's output: the text after each `\r`.
func frames(_ output: String) -> [Substring] {
    output.split(separator: "\r", omittingEmptySubsequences: false).dropFirst().map { $0 }
}

@Suite("ProgressBar drawing")
struct ProgressBarDrawingTests {
    @Test("the throttle gives one claim per interval, none before its start")
    func throttle() {
        let throttle = ProgressThrottle(interval: 100, notBefore: 1_000)
        var claims: [Bool] = []
        for now in [999, 1_000, 1_050, 1_099, 1_100] { claims.append(throttle.claim(at: now)) }
        throttle.drew(at: 1_500)
        for now in [1_550, 1_600] { claims.append(throttle.claim(at: now)) }
        #expect(claims == [false, true, false, false, true, false, true])
    }

    @Test("of many threads at the same instant, exactly one wins the draw")
    func oneWinner() {
        for round in 0..<20 {
            let throttle = ProgressThrottle(interval: 100, notBefore: 0)
            let wins = Atomic(0)
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                for _ in 0..<100 where throttle.claim(at: 500 + round) { wins.add(1, ordering: .relaxed) }
            }
            #expect(wins.load(ordering: .relaxed) == 1)
        }
    }

    @Test("events redraw the bar by themselves, at most once per refresh interval of its clock")
    func selfRedraw() {
        let clock = ManualClock(start: 0)
        let output = capturedOutput { fd in
            let bar = ProgressBar(
                style: .counts, total: 100, label: nil, output: fd, refreshInterval: .milliseconds(100),
                drawing: .always, summary: false, delay: .zero, clock: { Int(clock.nanoseconds) })
            for _ in 0..<100 {
                bar.report(.started(1))
                bar.report(.finished(1))
                clock.advance(by: .milliseconds(10))
            }
            bar.finish()
        }
        // One second of the bar's time: frames at 0, 100, …, 900 ms, then the final line.
        let drawn = frames(output)
        #expect(drawn.count == 11)
        #expect(drawn.dropLast().allSatisfy { $0.hasSuffix("\u{1B}[K") && !$0.contains("\n") })
        #expect(drawn.last == " 100/100 done, 0 running\u{1B}[K\n")
        #expect(!output.contains("\u{1B}[?25l"))
    }

    @Test("with a delay, a run shorter than it leaves nothing; a longer one draws after it")
    func delay() {
        func run(_ milliseconds: Int) -> String {
            let clock = ManualClock(start: 0)
            return capturedOutput { fd in
                let bar = ProgressBar(
                    style: .bar, total: 10, label: "slow", output: fd, refreshInterval: .milliseconds(100),
                    drawing: .always, summary: false, delay: .seconds(1), clock: { Int(clock.nanoseconds) })
                for _ in 0..<10 {
                    bar.finished()
                    clock.advance(by: .milliseconds(milliseconds))
                }
                bar.finish()
            }
        }
        #expect(run(50).isEmpty)
        let slow = run(300)
        #expect(frames(slow).count == 7)  // at 1.2, 1.5, …, 2.7 s, and the final line at 3 s
        #expect(slow.hasPrefix("\rslow:  50% 5/10 done |"))
        #expect(frames(slow).last?.hasPrefix("slow: 100% 10/10 done |███") == true)
        #expect(slow.hasSuffix("█|\u{1B}[K\n"))
    }

    @Test("on a pipe the default bar writes nothing; with summary, one line at the end")
    func notATerminal() {
        let silent = capturedOutput { fd in
            let bar = ProgressBar(style: [.bar, .eta], total: 50, output: fd)
            for _ in 0..<50 { bar.report(.started(1)); bar.report(.finished(1)) }
            bar.refresh(force: true)
            bar.finish()
        }
        #expect(silent.isEmpty)
        let summary = capturedOutput { fd in
            let bar = ProgressBar(style: [.bar, .eta], total: 50, label: "convert", output: fd, summary: true)
            for index in 0..<50 { bar.report(index == 7 ? .failed(1) : .finished(1)) }
            bar.finish(failed: true)
            bar.finish()
        }
        #expect(summary.hasPrefix("convert: 50/50 done, 1 failed in "))
        #expect(summary.hasSuffix(" (failed)\n"))
        #expect(summary.filter { $0 == "\n" }.count == 1 && !summary.contains("\r") && !summary.contains("\u{1B}"))
    }

    @Test("the final line says when the work failed, and a bar released unfinished ends its line")
    func failedAndReleased() {
        let failed = capturedOutput { fd in
            let bar = ProgressBar(style: .counts, total: 4, output: fd, drawing: .always)
            bar.report(.finished(1))
            bar.report(.skipped(3))
            bar.finish(failed: true)
        }
        #expect(failed.hasSuffix("4/4 done, 0 running (failed)\u{1B}[K\n"))
        let released = capturedOutput { fd in
            let bar = ProgressBar(style: .counts, output: fd, drawing: .always)
            bar.report(.started(2))
        }
        #expect(released.hasPrefix("\r 0 done, 2 running\u{1B}[K"))
        #expect(released.hasSuffix("\u{1B}[K\n") && released.filter { $0 == "\n" }.count == 1)
    }

    @Test("two concurrent bars on one descriptor write whole frames: the newer draws, then the older")
    func concurrentBars() {
        let output = capturedOutput { fd in
            func bar(_ label: String) -> ProgressBar {
                ProgressBar(style: .counts, label: label, output: fd, refreshInterval: .zero, drawing: .always)
            }
            let outer = bar("outer")
            let inner = bar("inner")
            DispatchQueue.concurrentPerform(iterations: 8) { thread in
                for _ in 0..<500 {
                    let bar = thread % 2 == 0 ? outer : inner
                    bar.report(.started(1))
                    bar.report(.finished(1))
                }
            }
            inner.finish()
            for _ in 0..<100 { outer.report(.finished(1)) }
            outer.finish()
        }
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[2].isEmpty)
        // The inner bar's line: its frames only (the outer one was started first, so it waited).
        let innerFrames = frames(String(lines[0]))
        #expect(!innerFrames.isEmpty && innerFrames.allSatisfy { $0.hasPrefix("inner:") && $0.hasSuffix("\u{1B}[K") })
        #expect(innerFrames.last?.hasPrefix("inner: 2000 done, 0 running") == true)
        let outerFrames = frames(String(lines[1]))
        #expect(!outerFrames.isEmpty && outerFrames.allSatisfy { $0.hasPrefix("outer:") && $0.hasSuffix("\u{1B}[K") })
        #expect(outerFrames.last?.hasPrefix("outer: 2100 done") == true)
        #expect(frames(output).allSatisfy { $0.components(separatedBy: "\u{1B}[K").count == 2 })
    }
}
