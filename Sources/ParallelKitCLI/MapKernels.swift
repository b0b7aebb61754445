import ParallelKit

/// One map-shaped benchmark workload: a built-in input and the work done on each element.
///
/// Kernels are types, not closures, so that every variant's loop is specialized with `apply`
/// inlined — serial `map` and `parallelMap` compete on equal terms.
protocol MapKernel: SendableMetatype {
    associatedtype Input: Sendable
    associatedtype Output: Sendable & Equatable
    static var name: String { get }
    /// What the workload stands for, printed by `--list`.
    static var summary: String { get }
    /// Calls of the operation per timed run (more than 1 for inputs too small to time once).
    static var repeats: Int { get }
    static func makeInput(quick: Bool) -> [Input]
    static func apply(_ element: Input) -> Output
}

extension MapKernel {
    static var repeats: Int { 1 }
}

/// Seed 000: the square of each of 10,000,000 numbers.
enum Squares: MapKernel {
    static let name = "squares"
    static let summary = "seed 000: n*n over 10,000,000 Ints"
    static func makeInput(quick: Bool) -> [Int] { Array(0..<(quick ? 100_000 : 10_000_000)) }
    @inline(__always) static func apply(_ element: Int) -> Int { element &* element }
}

/// Seed 004: 200,000 rows of 5 random Ints in 0..<10; count the values in [4, 8] per row.
enum CountInRange: MapKernel {
    static let name = "count-in-range"
    static let summary = "seed 004: 200,000 rows x 5 random Ints in 0..<10, count values in [4, 8]"
    static func makeInput(quick: Bool) -> [[Int]] {
        var random = SplitMix64(seed: 100)
        return (0..<(quick ? 2_000 : 200_000)).map { _ in (0..<5).map { _ in Int(random.next() % 10) } }
    }
    @inline(__always) static func apply(_ row: [Int]) -> Int {
        var count = 0
        for value in row where 4 <= value && value <= 8 { count += 1 }
        return count
    }
}

/// Rayon's favourite: `x*x+1` over 10,000,000 Ints (memory-bound).
enum CheapMap: MapKernel {
    static let name = "cheap-map"
    static let summary = "x*x+1 over 10,000,000 Ints"
    static func makeInput(quick: Bool) -> [Int] { Array(0..<(quick ? 100_000 : 10_000_000)) }
    @inline(__always) static func apply(_ element: Int) -> Int { element &* element &+ 1 }
}

/// 20,000 items of ~16 µs each: 2000 dependent rounds of `s = sqrt(s + i) + 1`.
enum CostlyMap: MapKernel {
    static let name = "costly-map"
    static let summary = "20,000 items of ~16 us (2000 rounds of s = sqrt(s + i) + 1)"
    static func makeInput(quick: Bool) -> [Int] { Array(0..<(quick ? 200 : 20_000)) }
    @inline(__always) static func apply(_ element: Int) -> Double { sqrtRounds(2000, seed: element) }
}

/// Item i costs proportional to i: 3·i rounds of the costly kernel, 5000 items.
enum Imbalanced: MapKernel {
    static let name = "imbalanced"
    static let summary = "5,000 items, item i costs 3*i sqrt rounds (cost grows along the input)"
    static func makeInput(quick: Bool) -> [Int] { Array(0..<(quick ? 500 : 5_000)) }
    @inline(__always) static func apply(_ element: Int) -> Double { sqrtRounds(3 * element, seed: element) }
}

/// 100 items of cheap work: shows whether a call notices that threads cannot help.
enum Tiny: MapKernel {
    static let name = "tiny"
    static let summary = "100 Ints, x*x+1, called 20,000 times per run (too small to parallelize)"
    static var repeats: Int { 20_000 }
    static func makeInput(quick: Bool) -> [Int] { Array(0..<100) }
    @inline(__always) static func apply(_ element: Int) -> Int { element &* element &+ 1 }
}

/// `rounds` dependent steps of `s = sqrt(s + i) + 1`: latency-bound floating-point work.
@inline(__always)
func sqrtRounds(_ rounds: Int, seed: Int) -> Double {
    var s = Double(seed)
    var i = 0
    while i < rounds {
        s = (s + Double(i)).squareRoot() + 1
        i += 1
    }
    return s
}

/// A small, fast, seedable random number generator (SplitMix64), so built-in data is the same every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
