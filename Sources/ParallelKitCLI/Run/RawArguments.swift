import ParallelKitRun
import ParallelKitSystem

/// The bytes of one of this process's arguments, exactly as the kernel passed them.
func rawArguments() -> [Bytes] {
    (0..<Int(CommandLine.argc)).map { index in
        guard let pointer = CommandLine.unsafeArgv[index] else { return [] }
        return Array(UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self),
                                         count: strlen(pointer)))
    }
}

