import Testing

@testable import ParallelKitCLI

@Suite("AmdahlFit")
struct AmdahlFitTests {
    /// The speedups Amdahl's law gives for serial fraction `s` with `cores` usable cores.
    func points(_ s: Double, cores: Int, upTo workers: Int) -> [(workers: Int, speedup: Double)] {
        (1...workers).map { n in (n, 1 / (s + (1 - s) / Double(min(n, cores)))) }
    }

    @Test("points made from a serial fraction give it back", arguments: [0.0, 0.1, 0.25, 0.5, 0.9, 1.0])
    func exact(s: Double) throws {
        let twoCores = try #require(AmdahlFit(points(s, cores: 2, upTo: 4), cores: 2))
        #expect(abs(twoCores.serialFraction - s) < 1e-12)
        let eightCores = try #require(AmdahlFit(points(s, cores: 8, upTo: 16), cores: 8))
        #expect(abs(eightCores.serialFraction - s) < 1e-12)
    }

    @Test("s = 0.1 on 2 cores: 1.818x at 2 workers and no more past the cores")
    func prediction() throws {
        let fit = try #require(AmdahlFit(points(0.1, cores: 2, upTo: 4), cores: 2))
        #expect(abs(fit.speedup(workers: 1) - 1) < 1e-12)
        #expect(abs(fit.speedup(workers: 2) - 1 / 0.55) < 1e-12)
        #expect(fit.speedup(workers: 4) == fit.speedup(workers: 2))
    }

    @Test("noisy points: the least-squares fraction lies between the points' own")
    func leastSquares() throws {
        // s = 0.2 at 2 workers (1.6667x) and s = 0.1 at 4 of 4 cores (3.0769x): weights 1/4 and 9/16.
        let fit = try #require(AmdahlFit([(1, 1), (2, 1 / 0.6), (4, 1 / 0.325)], cores: 4))
        let expected = (0.5 * 0.1 + 0.75 * 0.075) / (0.25 + 0.5625)
        #expect(abs(fit.serialFraction - expected) < 1e-12)
        #expect(fit.serialFraction > 0.1 && fit.serialFraction < 0.2)
    }

    @Test("no fit from one worker alone; a superlinear speedup clamps to 0, a slowdown to 1")
    func edges() throws {
        #expect(AmdahlFit([(1, 1)], cores: 2) == nil)
        #expect(AmdahlFit([(1, 1), (2, 2)], cores: 1) == nil)
        #expect(AmdahlFit([(1, 1), (2, .nan)], cores: 2) == nil)
        #expect(try #require(AmdahlFit([(1, 1), (2, 2.5)], cores: 2)).serialFraction == 0)
        #expect(try #require(AmdahlFit([(1, 1), (2, 0.5)], cores: 2)).serialFraction == 1)
    }
}
