/// Whether `fd` is a terminal (`isatty(3)`): what a progress line checks before it draws, so that
/// a pipe or a log file gets no carriage returns and escape codes.
///
/// A probe, not a call whose failure matters: `isatty` fails with `ENOTTY` (or `EBADF` for a
/// closed descriptor), and both mean "not a terminal".
package func isTerminal(_ fd: Int32) -> Bool {
    fd >= 0 && isatty(fd) == 1
}
