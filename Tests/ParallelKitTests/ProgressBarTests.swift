import Foundation
import Testing

@testable import ParallelKit

#if canImport(Glibc)
import Glibc
#endif

@Suite("ProgressBar")
struct ProgressBarTests {
    @Test("a known total shows the percentage, the counts and a bar that fills the width")
    func knownTotal() {
        let snapshot = ProgressBar.Snapshot(total: 200, started: 60, finished: 50, failed: 1, elapsed: 5)
        let line = ProgressBar.render(snapshot, style: [.bar, .counts], width: 60)
        #expect(line.hasPrefix("  25% 50/200 done, 10 running, 1 failed |"))
        #expect(line.hasSuffix("|"))
        #expect(line.count == 60)
        let filled = line.filter { $0 == "█" }.count
        let room = line.filter { $0 == "█" || $0 == " " }.count
        #expect(filled > 0 && filled < room)
    }

    @Test("an unknown total shows the count and the rate, and no bar or time left")
    func unknownTotal() {
        let snapshot = ProgressBar.Snapshot(total: nil, started: 12, finished: 10, failed: 0, elapsed: 4)
        let line = ProgressBar.render(snapshot, style: [.bar, .eta], width: 80)
        #expect(line == " 10 done, 2 running 2.5/s avg 0.4s")
    }

    @Test("the time left follows the rate so far")
    func eta() {
        let snapshot = ProgressBar.Snapshot(total: 100, started: 25, finished: 25, failed: 0, elapsed: 10)
        #expect(snapshot.secondsLeft == 30)
        #expect(ProgressBar.render(snapshot, style: .eta, width: 80).contains("ETA 30s"))
    }

    @Test("counters are exact under concurrent updates, and the bar draws a final line")
    func concurrentUpdates() throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        let bar = ProgressBar(style: .counts, total: 8000, output: fds[1], drawing: .always)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for index in 0..<1000 {
                bar.started()
                bar.finished(failed: index % 100 == 0)
                if index % 250 == 0 { bar.refresh() }
            }
        }
        bar.finish()
        bar.finish()
        close(fds[1])
        let drawn = String(decoding: FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile(), as: UTF8.self)
        let snapshot = bar.snapshot
        #expect(snapshot.finished == 8000 && snapshot.started == 8000 && snapshot.failed == 80)
        #expect(drawn.hasSuffix("8000/8000 done, 0 running, 80 failed\u{1B}[K\n"))
        #expect(drawn.filter { $0 == "\n" }.count == 1)
    }
}
