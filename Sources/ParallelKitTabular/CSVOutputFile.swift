import ParallelKitSystem

/// An output file written whole or not at all: bytes go to a temporary file beside `path`
/// (`.<name>.partial-<pid>`), renamed over `path` by ``commit()``; if it is not committed, the
/// temporary file is removed, so an error never leaves a half-written output.
final class CSVOutputFile {
    let path: String
    let temporaryPath: String
    private var fd: Int32
    private var done = false

    /// Creates the temporary file.
    ///
    /// - Throws: ``CSVError/Code/io(_:)`` when it cannot be created.
    init(path: String) throws(CSVError) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporaryPath = "\(directory).\(name).partial-\(getpid())"
        let target = temporaryPath
        do {
            fd = try systemCall("open") {
                target.withCString { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
            }
        } catch {
            throw CSVError(.io(.init(error)), path: temporaryPath)
        }
    }

    deinit { abandon() }

    /// Appends `bytes`.
    func write(_ bytes: [UInt8]) throws(CSVError) {
        do {
            try writeAll(fd, bytes)
        } catch {
            throw CSVError(.io(.init(error)), path: temporaryPath)
        }
    }

    /// Closes the file and renames it over `path`.
    func commit() throws(CSVError) {
        guard !done else { return }
        done = true
        // Every write was checked; `close` reports nothing more on a local file system (not
        // fsynced: the rename makes the output whole, not durable).
        close(fd)
        fd = -1
        let from = temporaryPath
        let to = path
        do {
            _ = try systemCall("rename") { from.withCString { source in to.withCString { rename(source, $0) } } }
        } catch {
            unlink(from)
            throw CSVError(.io(.init(error)), path: path)
        }
    }

    /// Closes and removes the temporary file (nothing once committed).
    func abandon() {
        guard !done else { return }
        done = true
        close(fd)
        unlink(temporaryPath)
    }
}
