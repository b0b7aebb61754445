/// The version of `parallelkit`: the one place it is written. `parallelkit --version` (through
/// ArgumentParser's `version:`) and `parallelkit run --version` / `-V` (the runner's own parser)
/// both print ``text``.
///
/// A constant in the source, not a tag read at build time: a SwiftPM build has no step that could
/// read one without a plugin, and a constant is what a release bumps and tags.
enum ParallelKitVersion {
    /// The version number, `MAJOR.MINOR.PATCH`.
    static let number = "0.1.0"

    /// What `--version` prints, GNU-style: the name and number on the first line, then what the
    /// tool is, in lines shorter than 80 columns.
    static let text = """
        parallelkit \(number)
        ParallelKit's command-line tool: parallel processing for Swift on Linux.
        parallelkit run follows GNU parallel's options, replacement strings and output,
        checked against GNU parallel 20221122.
        """
}
