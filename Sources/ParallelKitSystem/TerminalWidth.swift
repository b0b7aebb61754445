/// The width of the terminal that `fd` writes to, in columns, or `nil` when `fd` is not a
/// terminal (a pipe, a file) or the terminal does not say.
package func terminalColumns(of fd: Int32) -> Int? {
    var size = winsize()
    // A probe, not a call whose failure matters: ENOTTY says "not a terminal".
    guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
    return Int(size.ws_col)
}

/// The width help text is wrapped to: `COLUMNS` when it holds a positive number (the user's
/// override, environ(7); ArgumentParser reads it the same way for `parallelkit --help`), else
/// the width of the terminal standard output writes to, else 80.
package func helpTextWidth(
    columnsVariable: String? = getenv("COLUMNS").map { String(cString: $0) },
    terminal: Int? = terminalColumns(of: 1)
) -> Int {
    if let columnsVariable, let width = Int(columnsVariable), width > 0 { return width }
    return terminal ?? 80
}
