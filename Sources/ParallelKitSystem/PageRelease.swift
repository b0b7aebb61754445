/// Hands the whole pages of `buffer[from..<to]` back to the kernel (`MADV_DONTNEED`): they stop
/// counting as resident and read as zeros from then on. For a buffer whose bytes up to `to`
/// will never be read again (a message being decoded in order). Returns the offset up to which
/// pages were released: `from` rounded up to a page... `to` rounded down, or `from` when no whole
/// page lies between them. A failure (which only costs the memory) is ignored.
package func releasePages(of buffer: UnsafeMutableRawBufferPointer, from: Int, to: Int) -> Int {
    guard let base = buffer.baseAddress, from < to, to <= buffer.count else { return from }
    let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
    let start = (UInt(bitPattern: base) + UInt(from) + page - 1) & ~(page - 1)
    let end = (UInt(bitPattern: base) + UInt(to)) & ~(page - 1)
    guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return from }
    _ = try? systemCall("madvise") { madvise(aligned, Int(end - start), MADV_DONTNEED) }
    return Int(end - UInt(bitPattern: base))
}
