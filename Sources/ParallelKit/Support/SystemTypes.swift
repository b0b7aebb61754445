// The system layer's public value types, re-exported so that `import ParallelKit` is enough.
@_exported import enum ParallelKitSystem.TerminationStatus
@_exported import struct ParallelKitSystem.Teardown
@_exported import struct ParallelKitSystem.SystemError
