/// A task or closure wrapped by a ``Memory``: called like a function, it returns the stored
/// output when its input has an entry and runs the work (then stores its output) when not.
///
/// ```swift
/// let square = memory.cache("square", version: 1) { (x: Int) in x * x }
/// let nine = try await square(3)          // computed and stored
/// let again = try await square(3)         // read from disk
/// let known = try square.cachedOutput(for: 3)   // 9, without running anything
/// try square.clear()                      // square's entries only
/// ```
public struct CachedFunction<Input: Codable & Sendable, Output: Codable & Sendable>: Sendable {
    /// The memory that stores the results.
    public let memory: Memory
    /// The task's name and types, as they enter every key.
    public let signature: String
    /// The version you bump when the work's results change.
    public let version: Int
    let prefix: KeyPrefix
    let body: @Sendable (Input) async throws -> Output

    init(memory: Memory, signature: String, version: Int, _ body: @escaping @Sendable (Input) async throws -> Output) {
        self.memory = memory
        self.signature = signature
        self.version = version
        self.prefix = memory.keyPrefix(signature: signature, version: version)
        self.body = body
    }

    /// The stored output for `input`, or the work's output, stored before it is returned.
    ///
    /// - Throws: what the work throws; ``MemoryError`` for an input that cannot be keyed
    ///   (``MemoryError/Code/unkeyable``) or an output that could not be stored
    ///   (``MemoryError/Code/storeFailed``: the result is lost with the error, none is left on disk).
    public func callAsFunction(_ input: Input) async throws -> Output {
        let key = try prefix.key(input)
        if let output = memory.lookup(key, as: Output.self) { return output }
        let output = try await body(input)
        try memory.store(CollectionOfOne(key), CollectionOfOne(output), tag: prefix.tag)
        return output
    }

    /// The key of `input`: the same in every process and run for the same input, task and version.
    public func key(for input: Input) throws(MemoryError) -> MemoryKey { try prefix.key(input) }

    /// Tests: the key of `input` through the canonical encoder, skipping the plain numbers' path
    /// (which must give the same key).
    @_spi(Testing) public func encodedKey(for input: Input) throws(MemoryError) -> MemoryKey {
        try prefix.encodedKey(input)
    }

    /// The stored output for `input`, without running the work; nil when there is none —
    /// joblib's `check_call_in_cache`.
    public func cachedOutput(for input: Input) throws(MemoryError) -> Output? {
        memory.lookup(try prefix.key(input), as: Output.self)
    }

    /// Removes this function's entries — every version's, every process's — and no other
    /// function's: joblib's `f.clear()`. (``Memory/clear()`` removes every entry.)
    ///
    /// ```swift
    /// let square = memory.cache("square", version: 1) { (x: Int) in x * x }
    /// try square.clear()
    /// ```
    ///
    /// - Throws: ``MemoryError/Code/storeFailed`` when the remaining entries cannot be
    ///   rewritten; ``MemoryError/Code/directoryUnusable`` when the directory cannot be read.
    public func clear() throws(MemoryError) { try memory.clear(tag: prefix.tag) }
}
