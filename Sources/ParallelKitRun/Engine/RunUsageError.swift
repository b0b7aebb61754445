/// A problem with `parallelkit run`'s arguments or inputs: reported in one line, exit status 255
/// (as GNU parallel does).
package struct RunUsageError: Error, Equatable {
    package var message: String
    package init(_ message: String) { self.message = message }
}
