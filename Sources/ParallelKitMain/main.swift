// `parallelkit`: its commands live in ParallelKitCLI, a library the tests import.
import ParallelKitCLI

await Entry.main()
