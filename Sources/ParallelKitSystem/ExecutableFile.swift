/// Executable files: where the running one is, and whether a path names one this process may run.
package enum ExecutableFile {
    /// The path of the running executable: `/proc/self/exe` resolved (`readlink`). For a test
    /// run by `swift test` on Linux, the test bundle (`.build/<triple>/debug/<Package>PackageTests.xctest`).
    ///
    /// - Throws: ``SystemError`` from `readlink` (no `/proc`, or a path over `PATH_MAX`).
    package static func runningPath() throws(SystemError) -> String {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = try systemCall("readlink") {
            buffer.withUnsafeMutableBufferPointer { bytes in
                readlink("/proc/self/exe", bytes.baseAddress!, bytes.count)
            }
        }
        // A result that fills the buffer may have been cut short.
        guard length < buffer.count else { throw SystemError(call: "readlink", errno: ENAMETOOLONG) }
        return String(decoding: buffer[0..<length], as: UTF8.self)
    }

    /// Whether `path` is a regular file (after symbolic links) that this process may execute.
    package static func isRunnable(_ path: String) -> Bool {
        var status = stat()
        guard (try? systemCall("stat", { path.withCString { stat($0, &status) } })) != nil else { return false }
        guard status.st_mode & S_IFMT == S_IFREG else { return false }
        return (try? systemCall("access", { path.withCString { access($0, X_OK) } })) != nil
    }
}
