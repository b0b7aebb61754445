import CParallelKit

/// A value that fits in a 64-bit word, so that it can be read and written atomically in shared
/// memory: the integer types, `Double` (through its bit pattern) and `Bool`.
public protocol SharedAtomic: BitwiseCopyable, Sendable, Equatable {
    /// The word that stores `value`.
    static func word(_ value: Self) -> UInt64
    /// The value a word stores.
    static func value(_ word: UInt64) -> Self
}

/// A ``SharedAtomic`` value that can be added to atomically: integers (wrapping) and `Double`.
public protocol SharedAddable: SharedAtomic {
    /// `left + right`, wrapping for integers.
    static func sum(_ left: Self, _ right: Self) -> Self
    /// Whether adding words as unsigned integers adds the values (true for integers), so that one
    /// atomic add instruction does it instead of a compare-and-swap loop.
    static var addsAsWords: Bool { get }
}

extension SharedAddable where Self: FixedWidthInteger {
    public static func sum(_ left: Self, _ right: Self) -> Self { left &+ right }
    public static var addsAsWords: Bool { true }
}

/// Adds `delta` to the value stored in `word`, atomically; returns the new value. One atomic
/// add for integers, a compare-and-swap loop otherwise.
func atomicAdd<Value: SharedAddable>(_ delta: Value, to word: UnsafeMutablePointer<UInt64>) -> Value {
    if Value.addsAsWords { return Value.value(pk_atomic_add_u64(word, Value.word(delta))) }
    var current = pk_atomic_load_u64(word)
    while true {
        let updated = Value.word(Value.sum(Value.value(current), delta))
        if pk_atomic_cas_u64(word, &current, updated) != 0 { return Value.value(updated) }
    }
}

extension Int: SharedAddable {
    public static func word(_ value: Int) -> UInt64 { UInt64(bitPattern: Int64(value)) }
    public static func value(_ word: UInt64) -> Int { Int(Int64(bitPattern: word)) }
}
extension Int64: SharedAddable {
    public static func word(_ value: Int64) -> UInt64 { UInt64(bitPattern: value) }
    public static func value(_ word: UInt64) -> Int64 { Int64(bitPattern: word) }
}
extension Int32: SharedAddable {
    public static func word(_ value: Int32) -> UInt64 { UInt64(bitPattern: Int64(value)) }
    public static func value(_ word: UInt64) -> Int32 { Int32(truncatingIfNeeded: word) }
}
extension UInt64: SharedAddable {
    public static func word(_ value: UInt64) -> UInt64 { value }
    public static func value(_ word: UInt64) -> UInt64 { word }
}
extension UInt32: SharedAddable {
    public static func word(_ value: UInt32) -> UInt64 { UInt64(value) }
    public static func value(_ word: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: word) }
}
extension Double: SharedAddable {
    public static func word(_ value: Double) -> UInt64 { value.bitPattern }
    public static func value(_ word: UInt64) -> Double { Double(bitPattern: word) }
    public static func sum(_ left: Double, _ right: Double) -> Double { left + right }
    public static var addsAsWords: Bool { false }
}
extension Bool: SharedAtomic {
    public static func word(_ value: Bool) -> UInt64 { value ? 1 : 0 }
    public static func value(_ word: UInt64) -> Bool { word != 0 }
}
