// Worker tasks for the tests of automatic sharing (`ProcessPool.map(…, sharing:)`), and the
// program that the killed-parent test kills in the middle of a shared map.
import ParallelKit

import ParallelKitSystem

/// A plain-data input: no references, so a map shares it.
public struct PlainSample: Codable, Sendable, Equatable {
    public var id: Int32
    public var weight: Double
    public var flag: Bool
    public init(id: Int32, weight: Double, flag: Bool) {
        self.id = id
        self.weight = weight
        self.flag = flag
    }
}

/// A plain-data output.
public struct Weighed: Codable, Sendable, Equatable {
    public var id: Int
    public var score: Double
    public init(id: Int, score: Double) {
        self.id = id
        self.score = score
    }
}

/// ``PlainSample`` → ``Weighed``: plain data both ways.
public struct WeighTask: WorkerTask {
    public static func run(_ input: PlainSample) -> Weighed {
        Weighed(id: Int(input.id), score: input.flag ? input.weight * 2 : -input.weight)
    }
}

/// n → its decimal text: plain-data inputs, outputs that are not.
public struct DescribeTask: WorkerTask {
    public static func run(_ input: Int) -> String { String(input) }
}

/// For an input of -1, how many ParallelKit segments this worker maps now (the lines of
/// `/proc/self/maps` naming one, counted by name); any other input is returned as it is.
public struct MappedSegmentsTask: WorkerTask {
    public static func run(_ input: Int) -> Int {
        guard input == -1 else { return input }
        return mappedSegments(of: getpid()).count
    }
}

/// The memfd names (`parallelkit-<id>`) that process `pid` maps.
public func mappedSegments(of pid: Int32) -> Set<String> {
    let maps = SmallFile.text("/proc/\(pid)/maps", limit: 1 << 24) ?? ""
    var names: Set<String> = []
    for line in maps.split(separator: "\n") {
        guard let path = line.split(separator: " ").first(where: { $0.hasPrefix("/memfd:parallelkit-") }) else { continue }
        names.insert(String(path.dropFirst(7)))
    }
    return names
}

/// `map-shared`: a pool of 2 workers maps ``SleepTask`` over 300,000 Ints (2.4 MB in, 2.4 MB
/// out, both shared), whose first input sleeps 60 s. Once a worker maps both segments it prints
/// `ready <pid> <worker pids, comma-separated> <segment names, comma-separated>`, and waits to be
/// killed.
public func holdSharedMap() async throws -> Never {
    let pool = try await ProcessPool(workers: 2)
    var inputs = Array(repeating: 0, count: 300_000)
    inputs[0] = 60_000
    let running = Task { try await pool.map(SleepTask.self, inputs) }
    while true {
        let own = memoryFilesOfThisProcess()
        if own.count == 2, pool.workerPIDs.contains(where: { mappedSegments(of: $0).isSuperset(of: own) }) {
            let workers = pool.workerPIDs.map(String.init).joined(separator: ",")
            print("ready \(getpid()) \(workers) \(own.sorted().joined(separator: ","))")
            fflush(nil)
            break
        }
        usleep(10_000)
    }
    _ = try await running.value
    fatalError("map-shared: the map ended before its parent was killed")
}

/// The memfd names (`parallelkit-<id>`) of this process's descriptors.
private func memoryFilesOfThisProcess() -> Set<String> {
    var names: Set<String> = []
    for fd in 0..<1024 {
        guard let target = try? MemoryFile.target(of: "/proc/self/fd/\(fd)"), target.hasPrefix("/memfd:parallelkit-") else { continue }
        names.insert(String(target.dropFirst(7).prefix { $0 != " " }))
    }
    return names
}
