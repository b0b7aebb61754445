// The rows of Benchmarks/compare-memory.sh that ParallelKit measures (the CLI does not link
// ParallelKitMemory: its start-up stays free of swift-crypto and Foundation).
//
//   ParallelKitMemoryBench cache DIR [ROUNDS]     memory-cache: a warm hit on a small input, the
//                                                 key of a 100 MB [Double] (SHA-256 of its bytes),
//                                                 and SHA256.hash alone on those bytes (the ceiling)
//   ParallelKitMemoryBench resume DIR COUNTER N   memory-resume's child: prints `ready`, then maps N
//                                                 cheap items with DIR as the checkpoint, each
//                                                 appending its index to COUNTER before it returns
//   ParallelKitMemoryBench entries DIR            the entries DIR holds
//
// Prints JSON lines with the keys of `parallelkit bench --json` (workload, variant, workers,
// items, seconds, items_per_second) and the row's own (`microseconds_per_call`, `gb_per_second`).
import Crypto
import ParallelKit
import ParallelKitMemory
import ParallelKitSystem

let arguments = Array(CommandLine.arguments.dropFirst())

func now() -> Double { Double(MonotonicClock.nanoseconds()) / 1e9 }

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

func row(_ workload: String, _ variant: String, items: Int, seconds: Double, _ extra: [String: Double]) -> String {
    var fields = [
        "\"workload\": \"\(workload)\"", "\"variant\": \"\(variant)\"", "\"workers\": 1", "\"items\": \(items)",
        "\"seconds\": \(seconds)", "\"items_per_second\": \(Double(items) / seconds)",
    ]
    for (key, value) in extra.sorted(by: { $0.key < $1.key }) { fields.append("\"\(key)\": \(value)") }
    return "{" + fields.joined(separator: ", ") + "}"
}

let counterFD: Int32 = {
    guard arguments.first == "resume", arguments.count > 2 else { return -1 }
    return open(arguments[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
}()

/// One cheap item of memory-resume: records that it ran, returns a function of its input.
struct CheapItem: WorkerTask {
    static func run(_ input: Int) -> Int {
        var index = Int32(input)
        _ = write(counterFD, &index, 4)
        return (input &* 2_654_435_761) % 1_000_003
    }
}

switch arguments.first {
case "cache":
    let memory = try Memory(directory: arguments[1])
    let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
    let square = memory.cache("square", version: 1) { (x: Int) in x * x }
    _ = try await square(3)
    let calls = 20_000
    // Off the main actor (top-level code runs there): each call would hop to the global executor and back.
    let hits = try await Task.detached {
        var hits: [Double] = []
        for _ in 0..<rounds {
            let start = now()
            for _ in 0..<calls { _ = try await square(3) }
            hits.append(now() - start)
        }
        return hits
    }.value
    let hit = median(hits)
    print(row("memory-cache", "warm-hit", items: calls, seconds: hit, ["microseconds_per_call": hit / Double(calls) * 1e6]))
    let doubles = [Double](unsafeUninitializedCapacity: 12_500_000) { buffer, count in
        for index in 0..<buffer.count { buffer[index] = Double(index) * 0.5 }
        count = buffer.count
    }
    let keyed = memory.cache("sum", version: 1) { (values: [Double]) in values.reduce(0, +) }
    var hashes: [Double] = []
    for _ in 0..<rounds {
        let start = now()
        _ = try keyed.key(for: doubles)
        hashes.append(now() - start)
    }
    let hash = median(hashes)
    print(row("memory-cache", "hash-100mb", items: 1, seconds: hash, ["gb_per_second": 1e-9 * 100_000_000 / hash]))
    // The ceiling: swift-crypto's SHA256.hash alone over the same 100 MB, one call on one core
    // (the key hashes 4 MiB pieces of it on every core, then their digests).
    var alone: [Double] = []
    for _ in 0..<rounds {
        let start = now()
        _ = doubles.withUnsafeBytes { SHA256.hash(data: $0) }
        alone.append(now() - start)
    }
    let ceiling = median(alone)
    print(row("memory-cache", "sha256-alone-100mb", items: 1, seconds: ceiling, ["gb_per_second": 1e-9 * 100_000_000 / ceiling]))
case "resume":
    let count = Int(arguments[3]) ?? 0
    print("ready")
    fflush(nil)
    let start = now()  // reading the directory's index is part of a resumed run's time
    let memory = try Memory(directory: arguments[1])
    let outputs = try await Parallel(jobs: .all).map(CheapItem.self, Array(0..<count), cache: memory)
    print(outputs.reduce(0, &+), now() - start)
case "entries":
    print(try Memory(directory: arguments[1]).statistics.entries)
default:
    print("usage: ParallelKitMemoryBench cache DIR [ROUNDS] | resume DIR COUNTER N | entries DIR")
    exit(64)
}
