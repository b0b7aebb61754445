import Foundation
import ParallelKitSystem
import ParallelKitTestSupport
import ParallelKitTestTasks
import Testing

@_spi(Backend) @testable import ParallelKit

/// The test worker in `hold-shared` mode: a program holding every shared-memory type, mapped by
/// a pool worker of its own too, that waits to be killed.
struct SharedHolder {
    let process: Process
    let pid: Int32
    /// Its pool worker, which maps every segment.
    let worker: Int32
    /// Its ``SharedHoldings``, wire-encoded: decoding them attaches by handle.
    let encoded: [UInt8]

    /// Starts it with an `inputBytes`-byte `SharedInputArray`, holding its `ProcessLock`, and
    /// waits (at most 60 s) for its `ready` line.
    static func start(inputBytes: Int) async throws -> SharedHolder {
        let (process, line) = try await startTestWorkerProgram(["hold-shared", "\(inputBytes)", "hold-lock"])
        let fields = line.split(separator: " ")
        guard fields.count == 4, fields[0] == "ready", let pid = Int32(fields[1]), let worker = Int32(fields[2]) else {
            process.terminate()
            throw HolderError(line: line)
        }
        var encoded: [UInt8] = []
        var digits = fields[3].utf8.makeIterator()
        while let high = digits.next(), let low = digits.next() {
            encoded.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)!)
        }
        return SharedHolder(process: process, pid: pid, worker: worker, encoded: encoded)
    }

    /// Sends `signal` and waits until the holder and its worker are gone (at most 10 s for the
    /// worker, which dies with its parent).
    func kill(with signal: Int32) async {
        _ = systemKill(pid, signal)
        let process = process
        await offCooperativePool { process.waitUntilExit() }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline && !processIsGone(worker) { try? await Task.sleep(for: .milliseconds(10)) }
    }

    struct HolderError: Error, CustomStringConvertible {
        var line: String
        var description: String { "the holder printed \"\(line)\", not a ready line" }
    }
}

/// Entries in /dev/shm that processes `pids` created (today's named segments were
/// `parallelkit-<pid>-<hex>`).
func sharedMemoryEntries(of pids: [Int32]) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/dev/shm")) ?? []
    return names.filter { name in pids.contains { name.hasPrefix("parallelkit-\($0)-") } }
}

/// `process: what` for every process whose descriptors or mappings hold one of the memory files
/// `names`: while none does, the kernel has freed them.
func holdersOfMemoryFiles(_ names: [String]) -> [String] {
    let needles = names.map { "/memfd:\($0) " }
    let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { Int32($0) != nil }
    var found: [String] = []
    for pid in pids {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        for fd in fds {
            if let target = try? MemoryFile.target(of: "/proc/\(pid)/fd/\(fd)"), needles.contains(where: { (target + " ").hasPrefix($0) }) {
                found.append("\(pid): fd \(fd) \(target)")
            }
        }
        let maps = (try? String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)) ?? ""
        for line in maps.split(separator: "\n") where needles.contains(where: { line.contains($0) }) {
            found.append("\(pid): mapping \(line)")
        }
    }
    return found
}

/// The targets of this process's descriptors that are ParallelKit memfds.
func memoryFilesOfThisProcess() -> [String] {
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return fds.compactMap { try? MemoryFile.target(of: "/proc/self/fd/\($0)") }.filter { $0.hasPrefix("/memfd:parallelkit-") }
}

extension SharedHoldings {
    /// The memfd names of every segment.
    var memoryFileNames: [String] {
        [array.segment, value.segment, lock.segment, queue.segment, input.storageSegment!].map { SharedSegment.memoryFileName(id: $0.handle.id) }
    }
}

@Suite("Shared segment lifetime", .serialized)
struct SharedSegmentTests {
    @Test(
        "a program holding every shared type, killed by SIGINT, SIGTERM or SIGKILL: nothing in /dev/shm, its memory freed, attaching says it exited",
        arguments: [SIGINT, SIGTERM, SIGKILL])
    func creatorKilled(signal: Int32) async throws {
        let inputBytes = 32 << 20
        let holder = try await SharedHolder.start(inputBytes: inputBytes)
        // This process is unrelated to the holder's pool: it attaches by handle, as any would,
        // and sees what the holder and its worker wrote.
        var holdings: SharedHoldings? = try WireCoder.decode(SharedHoldings.self, from: holder.encoded)
        #expect(holdings!.array[0] == 42)
        #expect(holdings!.array[1] == Int(holder.worker))
        #expect(holdings!.value.load() == 1)
        #expect(holdings!.input.count == inputBytes / 8 && holdings!.input[inputBytes / 8 - 1] == 1)
        let names = holdings!.memoryFileNames
        // A read of /proc/<pid>/maps is not atomic: in a busy process one read can miss a line,
        // so look a few times. This test process is left out: in a full run, other tests map and
        // unmap in it all the time, and its own reads missed its line five times running.
        let expected: Set<String> = ["\(holder.pid)", "\(holder.worker)"]
        var holders: Set<String> = []
        for _ in 0..<5 where !holders.isSuperset(of: expected) {
            holders.formUnion(holdersOfMemoryFiles(names).map { String($0.prefix { $0 != ":" }) })
        }
        #expect(holders.isSuperset(of: expected))
        #expect(sharedMemoryEntries(of: [holder.pid, holder.worker]).isEmpty)

        await holder.kill(with: signal)
        #expect(processIsGone(holder.worker), "the holder's worker \(holder.worker) outlived it")
        #expect(sharedMemoryEntries(of: [holder.pid, holder.worker]) == [], "a killed program left segments in /dev/shm")
        // What this process mapped stays valid: the lock the holder died holding is taken over,
        // the queue hands out the worker's item and then ends (both writers died).
        #expect(holdings!.array[0] == 42)
        #expect(holdings!.lock.lock() == .previousOwnerDied)
        holdings!.lock.unlock()
        let queue = holdings!.queue
        #expect(try await queue.get(timeout: .seconds(10)) == QueueItem(producer: Int(holder.worker), sequence: 0))
        await #expect(throws: ProcessQueueError.writersGone) { _ = try await queue.get(timeout: .seconds(10)) }
        // Once this process lets go, no process holds the memory: the kernel has freed it.
        holdings = nil
        _ = consume queue
        #expect(holdersOfMemoryFiles(names) == [])
        // A late attach is a clear error naming the handle and the exited creator.
        do {
            _ = try WireCoder.decode(SharedHoldings.self, from: holder.encoded)
            Issue.record("attached to the segments of a killed program")
        } catch {
            #expect("\(error)".contains("/proc/\(holder.pid)/fd/"))
            #expect("\(error)".contains("its creator, process \(holder.pid), has exited"), "\(error)")
        }
    }

    @Test("a segment lives in its creator's descriptor only: no name anywhere, close-on-exec, 0600, size sealed")
    func descriptorOnly() throws {
        let array = try SharedArray<Int>(repeating: 0, count: 100)
        let handle = array.segment.handle
        #expect(handle.pid == getpid())
        #expect(try MemoryFile.target(of: handle.path) == "/memfd:\(SharedSegment.memoryFileName(id: handle.id)) (deleted)")
        #expect(fcntl(handle.descriptor, F_GETFD) & FD_CLOEXEC != 0)
        var status = stat()
        #expect(fstat(handle.descriptor, &status) == 0 && status.st_mode & 0o777 == 0o600)
        // No process can shrink it under the others' mappings.
        #expect(ftruncate(handle.descriptor, 0) != 0 && errno == EPERM)
        #expect(sharedMemoryEntries(of: [getpid()]) == [])
    }

    @Test("a large SharedInputArray is sealed against writable mappings once built")
    func inputSealed() throws {
        let input = try SharedInputArray([1.0, 2.0], sharingAbove: 0)
        let fd = try MemoryFile.reopen(input.segmentPath!, writable: true)
        defer { close(fd) }
        #expect(mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED)
        #expect(Array(input) == [1, 2])
    }

    @Test("past the descriptor limit, creating a shared object fails with an error that names the limit; releasing frees the descriptor")
    func descriptorLimit() async {
        await #expect(processExitsWith: .success) {
            var limit = rlimit()
            getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
            let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
            limit.rlim_cur = rlim_t(open + 64)
            setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
            var values: [SharedValue<Int>] = []
            do throws(SharedMemoryError) {
                while values.count < 1000 { values.append(try SharedValue(values.count)) }
                exit(2)
            } catch {
                guard "\(error)".contains("RLIMIT_NOFILE"), values.count > 10 else { exit(3) }
            }
            values.removeLast()
            guard (try? SharedValue(0)) != nil else { exit(4) }
            exit(EXIT_SUCCESS)
        }
    }

    @Test(
        "a creator that is not dumpable (it changed its user ID) makes attaching fail with an error that says so",
        .enabled(if: getuid() == 0, "needs root to become another user"))
    func notDumpable() async {
        await #expect(processExitsWith: .success) {
            WorkerTasks.register(allTestTasks)
            guard setgid(65534) == 0, setuid(65534) == 0 else { exit(2) }  // nobody: now not dumpable
            do {
                let counter = try SharedValue(0)
                let worker = WorkerProcess(IncrementTask.self, .init(counter: counter, times: 1), executable: testWorkerPath(), accepting: testWorkerBuild())
                worker.start()
                do {
                    _ = try await worker.join()
                    exit(3)
                } catch {
                    exit("\(error)".contains("does not let this process open its descriptors") ? EXIT_SUCCESS : 4)
                }
            } catch {
                exit(5)
            }
        }
    }
}
