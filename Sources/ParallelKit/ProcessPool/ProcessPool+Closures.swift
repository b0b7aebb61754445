// What a closure passed to a process pool gets: a compile-time error that says why, and what to
// write instead. Without these overloads the compiler matches the closure against the inputs and
// says "type '(Int) -> Int' cannot conform to 'Collection'", which explains nothing. They are
// never callable: each body is unreachable.

extension ProcessPool {
    /// Not available: a closure cannot run in a worker process. Pass a `WorkerTask` type, or a
    /// function's `$handle` made by `@WorkerFunction` (module `ParallelKitMacros`).
    @available(
        *, unavailable,
        message: "a closure cannot cross a process boundary: mark a global or static function @WorkerFunction (import ParallelKitMacros) and pass its $handle, as pool.map($square, numbers), or pass a WorkerTask type; for work in this process, use numbers.parallelMap { … }"
    )
    public func map<Input, Output>(
        _ body: @escaping (Input) async throws -> Output, _ inputs: some Collection<Input>, chunking: Chunking = .adaptive
    ) async throws -> [Output] {
        fatalError("unavailable")
    }

    /// Not available: a closure cannot run in a worker process (see ``map(_:_:chunking:)-(_,_,_)``).
    @available(
        *, unavailable,
        message: "a closure cannot cross a process boundary: mark a global or static function @WorkerFunction (import ParallelKitMacros) and pass its $handle, as pool.apply($square, 12), or pass a WorkerTask type; for work in this process, call the closure, or run it on a ThreadPool"
    )
    public func apply<Input, Output>(_ body: @escaping (Input) async throws -> Output, _ input: Input) async throws -> Output {
        fatalError("unavailable")
    }

    /// Not available: a closure cannot run in a worker process.
    @available(
        *, unavailable,
        message: "a closure cannot cross a process boundary: mark a global or static function @WorkerFunction (import ParallelKitMacros) and pass its $handle, as pool.submit($square, 12), or pass a WorkerTask type; for work in this process, use ThreadPool.submit"
    )
    public func submit<Input, Output: Sendable>(
        _ body: @escaping (Input) async throws -> Output, _ input: Input,
        onSuccess: (@Sendable (Output) -> Void)? = nil, onFailure: (@Sendable (BackendError) -> Void)? = nil
    ) throws -> Future<Output, BackendError> {
        fatalError("unavailable")
    }

    /// Not available: a closure cannot run in a worker process.
    @available(
        *, unavailable,
        message: "a closure cannot cross a process boundary: mark a global or static function @WorkerFunction (import ParallelKitMacros) and pass its $handle, as pool.submitMap($square, numbers), or pass a WorkerTask type; for work in this process, use numbers.parallelMap { … }"
    )
    public func submitMap<Input, Output: Sendable>(
        _ body: @escaping (Input) async throws -> Output, _ inputs: [Input], chunking: Chunking = .adaptive
    ) throws -> Future<[Output], BackendError> {
        fatalError("unavailable")
    }

    /// Not available: a closure cannot run in a worker process.
    @available(
        *, unavailable,
        message: "a closure cannot cross a process boundary: mark a global or static function @WorkerFunction (import ParallelKitMacros) and pass its $handle, as pool.stream($square, numbers), or pass a WorkerTask type; for work in this process, use ThreadPool.stream"
    )
    public func stream<Input, Output, Inputs: Sequence<Input>>(
        _ body: @escaping (Input) async throws -> Output, _ inputs: Inputs, chunking: Chunking = .adaptive,
        maxBuffered: Int? = nil
    ) -> AsyncThrowingStream<Output, any Error> {
        fatalError("unavailable")
    }

    /// Not available: a closure cannot run in a worker process.
    @available(
        *, unavailable,
        message: "a closure cannot cross a process boundary: mark a global or static function @WorkerFunction (import ParallelKitMacros) and pass its $handle, as pool.streamUnordered($square, numbers), or pass a WorkerTask type; for work in this process, use ThreadPool.streamUnordered"
    )
    public func streamUnordered<Input, Output, Inputs: Sequence<Input>>(
        _ body: @escaping (Input) async throws -> Output, _ inputs: Inputs, chunking: Chunking = .adaptive,
        maxBuffered: Int? = nil
    ) -> AsyncThrowingStream<(index: Int, value: Output), any Error> {
        fatalError("unavailable")
    }
}
