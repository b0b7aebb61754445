/// Gives a struct a `WireFields` conformance: a `ProcessPool` then writes and reads its
/// stored properties field by field, without `Codable`'s containers, in the same bytes.
///
/// For the input or output structs of `WorkerTask`s; an `@WorkerFunction` of several
/// parameters already gets one for the `Input` it generates.
///
/// ```swift
/// import ParallelKitMacros
///
/// @WireFields
/// struct RangeCount: Codable, Sendable {
///     var row: [Int]
///     var minimum: Int
///     var maximum: Int
/// }
///
/// enum CountInRange: WorkerTask {
///     static func run(_ input: RangeCount) -> Int {
///         input.row.count { (input.minimum...input.maximum).contains($0) }
///     }
/// }
/// ```
///
/// The struct keeps its synthesized `Codable` form (a reader falls back to it for any other
/// order of keys), so the compiler reports a struct that declares its own `CodingKeys`,
/// `encode(to:)` or `init(from:)`, lazy properties, properties with wrappers, and a `let`
/// with an initial value, which `Codable` does not decode either.
@attached(extension, conformances: WireFields, names: named(writeWireFields), named(init(wireFields:)))
public macro WireFields() = #externalMacro(module: "ParallelKitMacrosPlugin", type: "WireFieldsMacro")
