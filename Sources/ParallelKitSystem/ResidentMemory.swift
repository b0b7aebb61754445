/// This process's resident memory, from `/proc/self/status`, for the memory rows of the bench
/// and the drills.
package enum ResidentMemory {
    /// Resident bytes now (VmRSS: anonymous, file-backed and shared pages).
    package static var current: Double { statusKilobytes("VmRSS:") * 1024 }

    /// The peak of resident bytes (VmHWM) since start or since ``resetPeak()``.
    package static var peak: Double { statusKilobytes("VmHWM:") * 1024 }

    /// Resets the peak to the current resident memory (`/proc/self/clear_refs`) and returns it.
    @discardableResult
    package static func resetPeak() -> Double {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        if fd >= 0 {
            _ = write(fd, "5", 1)
            close(fd)
        }
        return current
    }

    private static func statusKilobytes(_ field: String) -> Double {
        let status = SmallFile.text("/proc/self/status") ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(field) } ?? ""
        return Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
