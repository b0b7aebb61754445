import ParallelKitSystem
import Testing

@Suite("terminal width for help text")
struct TerminalWidthTests {
    @Test("COLUMNS wins when it is a positive number, then the terminal, then 80")
    func precedence() {
        #expect(helpTextWidth(columnsVariable: "57", terminal: 100) == 57)
        #expect(helpTextWidth(columnsVariable: nil, terminal: 100) == 100)
        #expect(helpTextWidth(columnsVariable: "0", terminal: nil) == 80)
        #expect(helpTextWidth(columnsVariable: "wide", terminal: 90) == 90)
        #expect(helpTextWidth(columnsVariable: nil, terminal: nil) == 80)
    }

    @Test("a pipe is not a terminal")
    func notATerminal() throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { for fd in fds { close(fd) } }
        #expect(terminalColumns(of: fds[1]) == nil)
    }
}
