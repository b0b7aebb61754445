// The one place the C library is imported. Every module of this package that makes a system
// call imports `ParallelKitSystem` instead, and sees the C library through this re-export.
#if canImport(Glibc)
@_exported import Glibc
#elseif canImport(Musl)
@_exported import Musl
#else
#error("ParallelKit supports Linux (Glibc or Musl) only")
#endif

/// `kill(2)`, under a name that a type's own `kill` member cannot shadow.
@inline(__always)
package func systemKill(_ pid: Int32, _ signal: Int32) -> Int32 { kill(pid, signal) }
