// Worker tasks for the tests and drills of worker deaths (issue 13: findings 2 and 3).
import ParallelKit
import ParallelKitSystem

/// How ``LeaveChildAndExitTask`` starts the child it leaves behind.
public enum LeftChild: String, Codable, Sendable {
    /// `system("sleep N &")`: the everyday case — a shell and its background job, which inherit
    /// every descriptor not marked close-on-exec.
    case shellBackground
    /// `sleep` started with the worker's socket passed on as its descriptor 3: a child that
    /// holds the socket whatever close-on-exec says (a fork without exec does the same), so
    /// only the worker's pid can tell the parent it has gone.
    case holdingSocket
}

/// Starts a child that sleeps `sleepSeconds` and writes its pid to `pidFile`; then, with
/// `thenExit`, writes the monotonic time (ns) to `exitTimeFile` and exits with status 3 —
/// leaving the child running — or else returns the child's pid.
public struct LeaveChildAndExitTask: WorkerTask {
    public struct Input: Codable, Sendable {
        public var child: LeftChild
        public var sleepSeconds: Int
        public var pidFile: String
        public var exitTimeFile: String
        public var thenExit: Bool
        public init(child: LeftChild, sleepSeconds: Int, pidFile: String, exitTimeFile: String = "", thenExit: Bool = true) {
            self.child = child
            self.sleepSeconds = sleepSeconds
            self.pidFile = pidFile
            self.exitTimeFile = exitTimeFile
            self.thenExit = thenExit
        }
    }

    public static func run(_ input: Input) -> Int32 {
        var pid: Int32 = -1
        switch input.child {
        case .shellBackground:
            // `$!` is the background job's pid; the shell itself exits at once.
            let command = "sleep \(input.sleepSeconds) & echo $! > \(input.pidFile)"
            _ = system(command)
            pid = Int32(String((SmallFile.text(input.pidFile) ?? "").filter(\.isNumber))) ?? -1
        case .holdingSocket:
            var sleeper = SpawnConfiguration(executable: "/bin/sleep", arguments: ["sleep", "\(input.sleepSeconds)"])
            sleeper.passedDescriptors = [.init(parent: 3, child: 3)]
            pid = (try? ProcessSpawner.spawn(sleeper).pid) ?? -1
            writeText("\(pid)\n", to: input.pidFile)
        }
        guard input.thenExit else { return pid }
        writeText("\(MonotonicClock.nanoseconds())\n", to: input.exitTimeFile)
        exit(3)
    }
}

/// An initializer that crashes its worker with `fatalError`, after writing the monotonic time
/// (ns) to the file it is given (when not empty).
public struct FatalInitializerTask: WorkerTask {
    public static func run(_ input: String) -> Bool {
        if !input.isEmpty { writeText("\(MonotonicClock.nanoseconds())\n", to: input) }
        fatalError("FatalInitializerTask: the initializer crashes on purpose")
    }
}

/// The process group and session of the worker: `[pgid, sid]`.
public struct ProcessGroupTask: WorkerTask {
    public static func run(_ input: Int) -> [Int32] { [getpgid(0), getsid(0)] }
}

/// Writes `text` to the file at `path` (created or truncated); whether it all went.
@discardableResult
func writeText(_ text: String, to path: String) -> Bool {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return (try? writeAll(fd, Array(text.utf8))) != nil
}
