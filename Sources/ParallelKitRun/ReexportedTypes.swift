// The types ParallelKitRun's API names, so that `import ParallelKitRun` alone is enough:
// `Workers` (RunConfiguration.workers), `Teardown` (RunConfiguration.teardown) and
// `TerminationStatus` (JobResult.status).
@_exported import struct ParallelKit.Workers
@_exported import struct ParallelKitSystem.Teardown
@_exported import enum ParallelKitSystem.TerminationStatus
