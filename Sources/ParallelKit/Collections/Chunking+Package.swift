extension Chunking {
    /// Whether every chunk has the same size (`.fixed(n)`), for backends in other modules.
    package var isFixed: Bool { mode == .fixed }
}
