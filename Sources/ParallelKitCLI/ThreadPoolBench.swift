import ParallelKit
import ParallelKitSystem

/// Benchmarks of `ThreadPool` against the cooperative pool, from seed 003's sleeps.
enum ThreadPoolBench {
    static let sleep16 = "sleep-16"
    static let sleep16Summary = "seed 003: 16 blocking sleeps summing 9.9 s (longest 1.5 s)"
    static let starvation = "starvation-latency"
    static let starvationSummary = "wait of a trivial unrelated Task while 16 blocking jobs run"
    static let roundtrip = "submit-roundtrip"
    static let roundtripSummary = "time from submitting a no-op to having its value"
    static let stream = "stream-throughput"
    static let streamSummary = "items/s of ThreadPool.stream over 1,000,000 no-op items"

    /// Seed 003's sleep times, in seconds.
    static let sleepTimes = [0.1, 0.2, 0.1, 0.5, 0.7, 0.9, 0.5, 0.4, 1.5, 1.3, 1.0, 0.3, 0.7, 0.6, 0.3, 0.8]

    /// With `sleepSerial` false (the default run), the serial row is the sum of the sleeps,
    /// which a serial loop of them takes, rather than 9.9 s slept five times.
    static func sleepCases(quick: Bool, sleepSerial: Bool = true) -> [BenchCase] {
        let micros = sleepTimes.map { UInt32($0 * (quick ? 10_000 : 1_000_000)) }
        let pool = ThreadPool(workers: 16)
        let serialSum = Double(micros.reduce(0) { $0 + Int($1) }) / 1e6
        let serial = BenchLabel(workload: sleep16, variant: "serial", workers: 1, items: 16)
        return [
            BenchCase(label: serial, baseline: "serial", isLatency: false, extras: nil) { () async throws(BenchError) -> Double? in
                guard sleepSerial else { return serialSum }
                for sleep in micros { usleep(sleep) }
                return nil
            },
            BenchCase(workload: sleep16, variant: "threadpool-16", workers: 16, items: 16) { () async throws(BenchError) in
                do {
                    for try await _ in pool.streamUnordered(micros, { usleep($0) }) {}
                } catch {
                    throw .poolFailed("\(error)")
                }
            },
            BenchCase(workload: sleep16, variant: "cooperative-taskgroup", workers: Workers.available, items: 16) {
                await withTaskGroup(of: Void.self) { group in
                    for sleep in micros { group.addTask { usleep(sleep) } }
                }
            },
        ]
    }

    static func starvationCases(quick: Bool) -> [BenchCase] {
        let blockMicros: UInt32 = quick ? 20_000 : 200_000
        let pool = ThreadPool(workers: 16)
        return [
            BenchCase(workload: starvation, variant: "cooperative", workers: Workers.available, baseline: "cooperative") {
                let blockers = (0..<16).map { _ in Task.detached { _ = usleep(blockMicros) } }
                let latency = await trivialTaskLatency()
                for blocker in blockers { await blocker.value }
                return latency
            },
            BenchCase(workload: starvation, variant: "threadpool-16", workers: 16, baseline: "cooperative") {
                () async throws(BenchError) -> Double in
                let blockers: [Future<Void, Never>]
                do {
                    blockers = try (0..<16).map { _ in try pool.submit { _ = usleep(blockMicros) } }
                } catch {
                    throw .poolFailed("\(error)")
                }
                let latency = await trivialTaskLatency()
                _ = await Future.waitAll(blockers)
                return latency
            },
        ]
    }

    /// Seconds from creating a trivial detached Task to its body running, after the blockers start.
    private static func trivialTaskLatency() async -> Double {
        usleep(2_000)  // let the blocking jobs occupy their threads
        let start = ContinuousClock.now
        let started = await Task.detached { ContinuousClock.now }.value
        return seconds(started - start)
    }

    static func roundtripCases(quick: Bool) -> [BenchCase] {
        let samples = quick ? 200 : 5_000
        let pool = ThreadPool(workers: 4)
        return [
            BenchCase(workload: roundtrip, variant: "task-spawn", workers: Workers.available, baseline: "task-spawn") {
                await medianSeconds(samples: samples) { await Task.detached {}.value }
            },
            BenchCase(workload: roundtrip, variant: "threadpool-await", workers: 4, baseline: "task-spawn") {
                () async throws(BenchError) -> Double in
                try await medianSeconds(samples: samples) { () async throws(BenchError) in
                    do { try await pool.submit {}.value } catch { throw .poolFailed("\(error)") }
                }
            },
            BenchCase(workload: roundtrip, variant: "threadpool-wait", workers: 4, baseline: "task-spawn") {
                () async throws(BenchError) -> Double in
                try await medianSeconds(samples: samples) { () async throws(BenchError) in
                    do { try pool.submit {}.wait() } catch { throw .poolFailed("\(error)") }
                }
            },
        ]
    }

    static func streamCases(quick: Bool) -> [BenchCase] {
        let count = quick ? 10_000 : 1_000_000
        let pool = ThreadPool(workers: .count(Workers.available))
        return [
            BenchCase(workload: stream, variant: "map-ordered", workers: pool.workerCount, items: count, baseline: "map-ordered") {
                () async throws(BenchError) in
                var received = 0
                do {
                    for try await value in pool.stream(0..<count, { $0 }) {
                        guard value == received else { throw BenchError.wrongResult(variant: "map-ordered") }
                        received += 1
                    }
                } catch let error as BenchError {
                    throw error
                } catch {
                    throw .poolFailed("\(error)")
                }
                guard received == count else { throw .wrongResult(variant: "map-ordered") }
            },
            BenchCase(workload: stream, variant: "map-unordered", workers: pool.workerCount, items: count, baseline: "map-ordered") {
                () async throws(BenchError) in
                var received = 0
                do {
                    for try await _ in pool.streamUnordered(0..<count, { $0 }) { received += 1 }
                } catch {
                    throw .poolFailed("\(error)")
                }
                guard received == count else { throw .wrongResult(variant: "map-unordered") }
            },
        ]
    }
}
