import Dispatch
@_spi(Benchmarks) import ParallelKit

/// The ways one map workload is run: serially, with `parallelMap`, with hand-chunked
/// `DispatchQueue.concurrentPerform` (the Swift peer), and with one `Task` per element.
enum MapVariants {
    /// Elements that `taskgroup-per-element` runs (one Task each costs microseconds).
    static let taskGroupSubset = 100_000

    /// The benchmark cases of kernel `K`, each checked against the serial result.
    ///
    /// `extra` adds rows that need the same input (the process-pool variants).
    static func cases<K: MapKernel>(
        _ kernel: K.Type, quick: Bool, workers: Workers,
        extra: ([K.Input], [K.Output]) -> [BenchCase] = { _, _ in [] }
    ) -> [BenchCase] {
        let input = K.makeInput(quick: quick)
        let expected = input.map { K.apply($0) }
        let subset = Array(input.prefix(taskGroupSubset))
        let expectedSubset = Array(expected.prefix(taskGroupSubset))
        let parallelWorkers = workers.count
        let serial = BenchCase(workload: K.name, variant: "serial", workers: 1, items: input.count * K.repeats) { () async throws(BenchError) in
            try check(repeated(K.repeats) { input.map { K.apply($0) } }, expected, "serial")
        }
        let parallel = BenchCase(
            workload: K.name, variant: "parallelMap", workers: parallelWorkers, items: input.count * K.repeats
        ) { () async throws(BenchError) in
            try check(repeated(K.repeats) { input.parallelMap(workers: workers) { K.apply($0) } }, expected, "parallelMap")
        }
        let dispatch = BenchCase(
            workload: K.name, variant: "concurrentPerform", workers: parallelWorkers, items: input.count * K.repeats
        ) { () async throws(BenchError) in
            try check(
                repeated(K.repeats) { concurrentPerformMap(input, workers: parallelWorkers) { K.apply($0) } },
                expected, "concurrentPerform")
        }
        var cases = [serial, parallel, dispatch] + extra(input, expected)
        if input.count * MemoryLayout<K.Output>.stride >= 8 << 20 {
            // parallelMap asks for huge pages on outputs this large; this row shows what that
            // alone does for a serial loop, so the threads' share of the speedup is visible.
            cases.append(
                BenchCase(
                    workload: K.name, variant: "serial-hugepages", workers: 1, items: input.count * K.repeats
                ) { () async throws(BenchError) in
                    try check(repeated(K.repeats) { serialIntoHugePages(input) { K.apply($0) } }, expected, "serial-hugepages")
                })
        }
        var taskGroupBaseline = "serial"
        if subset.count < input.count || K.repeats > 1 {
            taskGroupBaseline = "serial-subset"
            cases.append(
                BenchCase(
                    workload: K.name, variant: "serial-subset", workers: 1, items: subset.count,
                    baseline: "serial-subset"
                ) { () async throws(BenchError) in
                    try check(subset.map { K.apply($0) }, expectedSubset, "serial-subset")
                })
        }
        cases.append(
            BenchCase(
                workload: K.name, variant: "taskgroup-per-element", workers: parallelWorkers, items: subset.count,
                baseline: taskGroupBaseline
            ) { () async throws(BenchError) in
                try check(await taskGroupMap(subset) { K.apply($0) }, expectedSubset, "taskgroup-per-element")
            })
        return cases
    }

    /// Runs `body` `count` times and returns the last result.
    @inline(__always)
    static func repeated<T>(_ count: Int, _ body: () -> T) -> T {
        var result = body()
        for _ in 1..<max(1, count) { result = body() }
        return result
    }

    static func check<T: Equatable>(_ actual: [T], _ expected: [T], _ variant: String) throws(BenchError) {
        guard actual == expected else { throw BenchError.wrongResult(variant: variant) }
    }

    /// A serial loop into an output advised to use transparent huge pages, as `parallelMap` does.
    @inline(__always)
    static func serialIntoHugePages<Input, Output>(_ input: [Input], _ transform: (Input) -> Output) -> [Output] {
        [Output](unsafeUninitializedCapacity: input.count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            adviseHugePages(base, count: input.count)
            for index in input.indices { (base + index).initialize(to: transform(input[index])) }
            initialized = input.count
        }
    }

    /// Hand-chunked `concurrentPerform`: 16 contiguous chunks per worker, written in place.
    @inline(__always)
    static func concurrentPerformMap<Input: Sendable, Output: Sendable>(
        _ input: [Input], workers: Int, _ transform: (Input) -> Output
    ) -> [Output] {
        let total = input.count
        return [Output](unsafeUninitializedCapacity: total) { buffer, initialized in
            let output = SendablePointer(base: buffer.baseAddress)
            let chunks = min(total, workers * 16)
            withoutActuallyEscaping(transform) { transform in
                let transform = UncheckedSendable(transform)
                input.withUnsafeBufferPointer { source in
                    let source = UncheckedSendable(source)
                    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                        let start = total * chunk / chunks
                        let end = total * (chunk + 1) / chunks
                        for index in start..<end {
                            (output.base! + index).initialize(to: transform.value(source.value[index]))
                        }
                    }
                }
            }
            initialized = total
        }
    }

    /// One child `Task` per element in a `TaskGroup`, results put back in order.
    static func taskGroupMap<Input: Sendable, Output: Sendable>(
        _ input: [Input], _ transform: @escaping @Sendable (Input) -> Output
    ) async -> [Output] {
        await withTaskGroup(of: (Int, Output).self) { group in
            for (index, element) in input.enumerated() {
                group.addTask { (index, transform(element)) }
            }
            var slots = [Output?](repeating: nil, count: input.count)
            for await (index, value) in group { slots[index] = value }
            return slots.map { $0! }
        }
    }
}

/// A pointer handed to Dispatch's worker threads.
struct SendablePointer<T>: @unchecked Sendable {
    // @unchecked: each concurrentPerform iteration writes a disjoint index range.
    let base: UnsafeMutablePointer<T>?
}

/// A value handed to Dispatch's worker threads that only read it.
struct UncheckedSendable<T>: @unchecked Sendable {
    // @unchecked: used only for read-only buffers and pure transforms during one concurrentPerform.
    let value: T
    init(_ value: T) { self.value = value }
}
