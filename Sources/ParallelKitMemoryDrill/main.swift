// A program the Memory tests (Tests/ParallelKitMemoryTests) and the memory-resume benchmark
// start as a process of its own:
//
//   keys                          prints the keys of inputs built in one order (the tests build
//                                 them in another, in their own process)
//   write DIR LABEL COUNT         stores COUNT entries, one call each, in DIR (two at once: one directory)
//   resume DIR COUNTER N MICROS   prints `ready`, then maps N items of MICROS µs each with DIR as the
//                                 checkpoint; each computed item appends its index to COUNTER first,
//                                 so the computed items survive a SIGKILL; prints the outputs' sum
import ParallelKit
import ParallelKitMemory
import ParallelKitSystem

let arguments = Array(CommandLine.arguments.dropFirst())

/// The counter file of `resume`, opened once, appended to by every computed item.
let counterFD: Int32 = {
    guard arguments.first == "resume", arguments.count > 2 else { return -1 }
    return open(arguments[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
}()

let workMicros: Int = arguments.count > 4 ? Int(arguments[4]) ?? 0 : 0

/// One cheap item: records that it ran, busies itself for `workMicros`, returns a function of its input.
struct ResumeItem: WorkerTask {
    static func run(_ input: Int) -> Int {
        var index = Int32(input)
        _ = write(counterFD, &index, 4)
        if workMicros > 0 {
            let end = MonotonicClock.nanoseconds() + UInt64(workMicros) * 1000
            while MonotonicClock.nanoseconds() < end {}
        }
        return ResumeItem.output(input)
    }

    static func output(_ input: Int) -> Int { (input &* 2_654_435_761) % 1_000_003 }
}

/// The inputs the key test builds in another order.
func probeInputs() -> (words: [String: Int], tags: Set<String>, series: [Int: [Double]]) {
    var words: [String: Int] = [:]
    var tags: Set<String> = []
    var series: [Int: [Double]] = [:]
    for index in 0..<100 {
        words["w\(index)"] = index
        tags.insert("t\(index)")
        series[index] = [Double(index), 0.5]
    }
    return (words, tags, series)
}

switch arguments.first {
case "keys":
    let memory = try Memory(directory: arguments.count > 1 ? arguments[1] : "/tmp/parallelkit-memory-keys")
    let (words, tags, series) = probeInputs()
    print(try memory.cache("words") { (input: [String: Int]) in input.count }.key(for: words))
    print(try memory.cache("tags") { (input: Set<String>) in input.count }.key(for: tags))
    print(try memory.cache("series") { (input: [Int: [Double]]) in input.count }.key(for: series))
case "write":
    let memory = try Memory(directory: arguments[1])
    let label = arguments[2]
    let exclaim = memory.cache("exclaim") { (text: String) in text + "!" }
    for index in 0..<(Int(arguments[3]) ?? 0) {
        _ = try await exclaim("\(label)-\(index)")
    }
    print("done \(memory.statistics.stores)")
case "resume":
    let memory = try Memory(directory: arguments[1])
    let count = Int(arguments[3]) ?? 0
    print("ready")
    fflush(nil)
    let outputs = try await Parallel(jobs: 2).map(ResumeItem.self, Array(0..<count), cache: memory)
    print(outputs.reduce(0, &+))
default:
    print("usage: ParallelKitMemoryDrill keys | write DIR LABEL COUNT | resume DIR COUNTER N MICROS")
    exit(64)
}
