// The `GuideSnippets` target: the ```swift blocks of README.md and of the guides in this folder,
// type-checked against ParallelKit by every `swift build`.
//
// It has no code of its own. The `GuideSnippetsPlugin` build-tool plugin turns each Markdown file
// into a Swift file (the rule for fragments is in ARCHITECTURE.md and in
// Sources/GuideSnippetsTool/main.swift), and nothing ever calls the generated functions. A renamed
// API fails the build with an error at the Markdown line that uses it. The target lives in this
// folder so that adding or removing a guide makes SwiftPM plan the build again.
