// The worker executable of the test recipe (Guides/ProcessPool.md, "Worker processes in tests"):
// an executable target whose main serves its tasks. The test target depends on it, so
// `swift test` builds it beside the test bundle, where `WorkerExecutable.product` finds it, and
// the tests `@testable import` it to name its tasks, which stay internal. Its tasks are not
// listed: a worker finds them by their type names (`WorkerTasks.discover(task:type:)`).
import ParallelKit

WorkerTasks.serveIfWorker()  // a worker serves and exits here

print("ParallelKitRecipeWorker: a worker for ParallelKit's tests; start it from a ProcessPool or WorkerProcess")
