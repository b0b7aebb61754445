extension WorkerTasks {
    /// Finds task `name` in this process: registered, or else the `WorkerTask` type whose mangled
    /// name is `type` (`_mangledTypeName`), which is then registered. Returns its signature, or
    /// `nil` when there is no such task here.
    ///
    /// This is how a worker serves tasks that its `serveIfWorker(...)` does not list, as Swift
    /// Testing finds `@Test` functions without a list: the parent names the task's type before
    /// its first batch. A worker that runs the parent's own executable (or one built from the
    /// same module) has every task type in it. Not found: a type of another module the worker
    /// does not link, and a `private` or `fileprivate` type, whose mangled name holds the address
    /// of its file's context in the parent (it must be listed). A backend in another module
    /// that serves tasks its own way calls it before ``runBatch(task:payload:)``.
    @_spi(Backend) public static func discover(task name: String, type mangledName: String) -> String? {
        if let known = registered(name) { return known.signature }
        guard !mangledName.isEmpty, let type = _typeByName(mangledName) as? any WorkerTask.Type,
            type.name == name
        else { return nil }
        register([type])
        return registered(name)?.signature
    }

    /// What the parent sends to have `task` found in a worker: its mangled type name ("" when it
    /// has none, as some types do not).
    static func discoverableName(of task: any WorkerTask.Type) -> String {
        _mangledTypeName(task) ?? ""
    }
}
