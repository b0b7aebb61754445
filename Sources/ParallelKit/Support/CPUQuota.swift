import ParallelKitSystem
/// The CPU limit a control group puts on this process, from cgroup v2 `cpu.max` or
/// cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`.
///
/// A quota of 150 ms per 100 ms period allows 1.5 CPUs of time; ParallelKit rounds that up
/// to 2 workers (a partly usable core still helps), and never returns less than 1.
enum CPUQuota {
    /// The quota in whole CPUs (rounded up), or `nil` when there is none.
    ///
    /// - Parameters:
    ///   - cgroupRoot: where the cgroup file system is mounted (injectable for tests).
    ///   - processCgroupFile: the `/proc/self/cgroup` listing that names this process's group.
    static func limit(
        cgroupRoot: String = "/sys/fs/cgroup",
        processCgroupFile: String = "/proc/self/cgroup"
    ) -> Int? {
        let groupPath = SmallFile.text(processCgroupFile).flatMap(unifiedGroupPath(inCgroupListing:)) ?? "/"
        // cgroup v2: every cpu.max from the process's own group up to the root can limit it.
        var limits: [Int] = []
        for directory in selfAndAncestors(of: groupPath) {
            if let text = SmallFile.text(join(cgroupRoot, directory, "cpu.max")), let cpus = parseCPUMax(text) {
                limits.append(cpus)
            }
        }
        if let tightest = limits.min() { return tightest }
        // cgroup v1: the cpu controller is mounted on its own (or with cpuacct).
        for controller in ["cpu", "cpu,cpuacct", "cpuacct,cpu"] {
            let quota = SmallFile.text(join(cgroupRoot, "/" + controller, "cpu.cfs_quota_us"))
            let period = SmallFile.text(join(cgroupRoot, "/" + controller, "cpu.cfs_period_us"))
            if let quota, let period { return parseCFS(quota: quota, period: period) }
        }
        return nil
    }

    /// Parses cgroup v2 `cpu.max`: `"max 100000"` is no limit, `"150000 100000"` is 2 CPUs.
    static func parseCPUMax(_ text: String) -> Int? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 1, fields[0] != "max", let quota = Int(fields[0]) else { return nil }
        let period = fields.count >= 2 ? Int(fields[1]) ?? 100_000 : 100_000
        return cpus(quota: quota, period: period)
    }

    /// Parses cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`; a quota of -1 is no limit.
    static func parseCFS(quota: String, period: String) -> Int? {
        guard let quota = Int(quota.trimmingSpaces), let period = Int(period.trimmingSpaces) else { return nil }
        return cpus(quota: quota, period: period)
    }

    /// The group path of the cgroup v2 line (`0::/path`) in a `/proc/self/cgroup` listing.
    static func unifiedGroupPath(inCgroupListing text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("0::") {
            return String(line.dropFirst(3))
        }
        return nil
    }

    private static func cpus(quota: Int, period: Int) -> Int? {
        guard quota > 0, period > 0 else { return nil }
        return max(1, (quota + period - 1) / period)
    }

    private static func selfAndAncestors(of path: String) -> [String] {
        var parts = path.split(separator: "/").map(String.init)
        var result: [String] = []
        while true {
            result.append("/" + parts.joined(separator: "/"))
            if parts.isEmpty { break }
            parts.removeLast()
        }
        return result
    }

    private static func join(_ root: String, _ directory: String, _ file: String) -> String {
        let middle = directory == "/" ? "" : directory
        return root + middle + "/" + file
    }
}
