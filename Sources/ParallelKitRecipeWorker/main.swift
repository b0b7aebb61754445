// The worker executable of the test recipe (Guides/ProcessPool.md, "Worker processes in tests"):
// a main that serves the tasks of ParallelKitRecipeTasks, the library it depends on. The test
// target depends on both: `swift test` builds this beside the test bundle, where
// `WorkerExecutable.product` finds it, and the tests `@testable import` the library to name its
// tasks, which stay internal. The tasks are not listed: a worker finds them by their type names
// (`WorkerTasks.discover(task:type:)`).
import ParallelKit
import ParallelKitRecipeTasks

WorkerTasks.serveIfWorker()  // a worker serves and exits here

print("ParallelKitRecipeWorker: a worker for ParallelKit's tests; start it from a ProcessPool or WorkerProcess")
