import Foundation
import ParallelKitSystem

// What `/proc` says about processes and descriptors: whether a process is gone, this process's
// children, its open descriptors, and where a descriptor points.

/// Whether process `pid` is gone, or a zombie that its parent (or init) can reap now.
///
/// A killed process with several threads shows its main thread as a zombie while the others are
/// still exiting, and `waitpid` does not reap it until they have: it is gone only when its
/// `/proc/PID/task` lists its main thread alone.
package func processIsGone(_ pid: Int32) -> Bool {
    guard let stat = SmallFile.text("/proc/\(pid)/stat") else { return true }
    guard let close = stat.lastIndex(of: ")") else { return true }
    guard stat[stat.index(close, offsetBy: 2)] == "Z" else { return false }
    return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").count) ?? 0) <= 1
}

/// Process IDs whose parent is this process (live or zombie).
package func childProcesses() -> Set<Int32> {
    let me = getpid()
    var children: Set<Int32> = []
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = Int32(entry), let stat = SmallFile.text("/proc/\(entry)/stat"),
            let close = stat.lastIndex(of: ")")
        else { continue }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        if fields.count > 2, Int32(fields[1]) == me { children.insert(pid) }
    }
    return children
}

/// Processes (not zombies) other than this one whose command line contains `marker`.
package func processes(withCommandLineContaining marker: String) -> [Int32] {
    var found: [Int32] = []
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = Int32(entry), pid != getpid(),
            let raw = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
        else { continue }
        let commandLine = String(decoding: raw.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        guard commandLine.contains(marker), !processIsGone(pid) else { continue }
        found.append(pid)
    }
    return found
}

/// Processes (not zombies) other than this one with `entry` (`NAME=value`) in their environment:
/// what a program started with a marker in its environment left running, grandchildren included.
package func processes(withEnvironmentEntry entry: String) -> [Int32] {
    let wanted = Array(entry.utf8)
    var found: [Int32] = []
    for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = Int32(name), pid != getpid(),
            let raw = FileManager.default.contents(atPath: "/proc/\(name)/environ")
        else { continue }
        guard raw.split(separator: 0).contains(where: { $0.elementsEqual(wanted) }), !processIsGone(pid) else { continue }
        found.append(pid)
    }
    return found
}

/// Open file descriptors of this process.
package func openDescriptorCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
}

/// Open pipes and pidfds of this process: what a spawner opens per child. Unlike
/// ``openDescriptorCount()``, files, sockets and memfds that tests running at the same time open
/// do not move it.
package func openPipeAndPidfdCount() -> Int {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return names.count { name in
        guard let target = descriptorTarget("/proc/self/fd/\(name)") else { return false }
        return target.hasPrefix("pipe:") || target == "anon_inode:[pidfd]"
    }
}

/// Where a `/proc/…/fd/N` link points (`pipe:[123]`, a path), or `nil` if it cannot be read.
package func descriptorTarget(_ link: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink(link, &buffer, buffer.count - 1)
    guard count > 0 else { return nil }
    return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
