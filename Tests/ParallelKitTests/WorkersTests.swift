import Foundation
import Testing

@testable import ParallelKit

@Suite("Workers")
struct WorkersTests {
    @Test("counts, literals and allBut resolve as documented")
    func resolution() {
        #expect(Workers.count(3).count == 3)
        let literal: Workers = 5
        #expect(literal.count == 5)
        #expect(Workers.allBut(0).count == Workers.all.count)
        #expect(Workers.allBut(1).count == max(1, Workers.all.count - 1))
        #expect(Workers.allBut(10_000).count == 1)
        #expect(Workers.available >= 1)
        #expect(Workers.all.description == ".all" && Workers.allBut(2).description == ".allBut(2)")
    }

    @Test("a zero worker count stops the program with a message")
    func zeroIsAnError() async {
        await #expect(processExitsWith: .failure) { _ = Workers.count(0) }
    }

    @Test("a negative worker literal stops the program")
    func negativeIsAnError() async {
        await #expect(processExitsWith: .failure) {
            let workers: Workers = -2
            _ = workers.count
        }
    }

    @Test("a negative allBut stops the program")
    func negativeAllBut() async {
        await #expect(processExitsWith: .failure) { _ = Workers.allBut(-1) }
    }

    @Test("PARALLELKIT_WORKERS values are parsed strictly")
    func overrideParsing() {
        #expect(Workers.parseOverride("4") == .success(4))
        #expect(Workers.parseOverride(" 12\n") == .success(12))
        for bad in ["0", "-3", "four", "", "2.5"] {
            guard case .failure(let problem) = Workers.parseOverride(bad) else {
                Issue.record("accepted \(bad)")
                continue
            }
            #expect(problem.message.contains("expected"))
        }
    }

    @Test("cgroup v2 and v1 quotas are read from files", arguments: [
        ("v2-limited", 2), ("v2-fractional", 2), ("v2-max", nil), ("v1-limited", 3), ("v1-unlimited", nil),
        ("v2-nested", 1), ("none", nil),
    ] as [(String, Int?)])
    func quotaFixtures(name: String, expected: Int?) throws {
        let root = try CgroupFixture.make(name)
        defer { try? FileManager.default.removeItem(atPath: root.path) }
        #expect(CPUQuota.limit(cgroupRoot: root.path, processCgroupFile: root.path + "/proc-self-cgroup") == expected)
    }

    @Test("cpu.max parsing")
    func cpuMaxParsing() {
        #expect(CPUQuota.parseCPUMax("max 100000\n") == nil)
        #expect(CPUQuota.parseCPUMax("100000 100000\n") == 1)
        #expect(CPUQuota.parseCPUMax("50000 100000\n") == 1)
        #expect(CPUQuota.parseCPUMax("250000 100000") == 3)
        #expect(CPUQuota.parseCPUMax("garbage") == nil)
        #expect(CPUQuota.parseCFS(quota: "-1\n", period: "100000\n") == nil)
        #expect(CPUQuota.parseCFS(quota: "400000\n", period: "100000\n") == 4)
    }

    @Test("the affinity mask is honoured: a child under taskset -c 0 sees one core")
    func affinityThroughTaskset() async throws {
        let pinned = try await runCLI(["workers", "--available"], prefix: ["taskset", "-c", "0"])
        #expect(pinned.status == 0)
        #expect(pinned.output.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        let free = try await runCLI(["workers", "--available"])
        #expect(Int(free.output.trimmingCharacters(in: .whitespacesAndNewlines)) == Workers.available)
    }

    @Test("PARALLELKIT_WORKERS overrides .all, and a bad value is reported and ignored")
    func environmentOverride() async throws {
        let three = try await runCLI(["workers"], environment: ["PARALLELKIT_WORKERS": "3"])
        #expect(three.output.contains("default: 3"))
        let bad = try await runCLI(["workers"], environment: ["PARALLELKIT_WORKERS": "zero"])
        #expect(bad.output.contains("default: \(Workers.available)"))
        #expect(bad.error.contains("ignoring PARALLELKIT_WORKERS"))
    }
}

/// Cgroup trees written to a temporary directory.
enum CgroupFixture {
    static func make(_ name: String) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pk-cgroup-\(name)-\(UUID())")
        var files: [String: String] = ["proc-self-cgroup": "0::/\n"]
        switch name {
        case "v2-limited": files["cpu.max"] = "200000 100000\n"
        case "v2-fractional": files["cpu.max"] = "150000 100000\n"
        case "v2-max": files["cpu.max"] = "max 100000\n"
        case "v1-limited":
            files["proc-self-cgroup"] = "4:cpu,cpuacct:/\n"
            files["cpu,cpuacct/cpu.cfs_quota_us"] = "300000\n"
            files["cpu,cpuacct/cpu.cfs_period_us"] = "100000\n"
        case "v1-unlimited":
            files["cpu/cpu.cfs_quota_us"] = "-1\n"
            files["cpu/cpu.cfs_period_us"] = "100000\n"
        case "v2-nested":
            files["proc-self-cgroup"] = "0::/outer/inner\n"
            files["cpu.max"] = "max 100000\n"
            files["outer/cpu.max"] = "100000 100000\n"
            files["outer/inner/cpu.max"] = "400000 100000\n"
        default: break
        }
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return root
    }
}
