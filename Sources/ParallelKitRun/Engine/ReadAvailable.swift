import ParallelKitSystem

/// One `read` of a job's non-blocking output pipe into `scratch`: the bytes read, 0 at its end
/// (a pipe that cannot be read has ended too, as at its end of file), or nil when it has nothing
/// now (`EAGAIN`). The scheduler's jobs and a rank's remote jobs read their pipes through it.
func readAvailable(_ fd: Int32, into scratch: UnsafeMutableRawBufferPointer) -> Int? {
    do {
        return try systemCall("read") { read(fd, scratch.baseAddress, scratch.count) }
    } catch where error.errno == EAGAIN {
        return nil
    } catch {
        return 0
    }
}
