import Foundation
import PackagePlugin

/// Extracts the ```swift blocks of README.md and of the target's Markdown files (Guides/*.md)
/// into Swift files that the target compiles: one build command per Markdown file, with the file
/// as its input, so that editing a guide regenerates and recompiles only its snippets.
/// The extraction and the rule for fragments are in `Sources/GuideSnippetsTool/main.swift`.
@main
struct GuideSnippetsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let guides = target.sourceModule?.sourceFiles(withSuffix: ".md").map(\.url) ?? []
        let markdown = [context.package.directoryURL.appending(path: "README.md")]
            + guides.sorted { $0.lastPathComponent < $1.lastPathComponent }
        let tool = try context.tool(named: "GuideSnippetsTool")
        return markdown.map { file in
            let guide = file.deletingPathExtension().lastPathComponent
            let output = context.pluginWorkDirectoryURL.appending(path: "Snippets_\(guide).swift")
            return .buildCommand(
                displayName: "Extracting the Swift snippets of \(file.lastPathComponent)",
                executable: tool.url,
                arguments: [file.path, output.path, guide],
                inputFiles: [file],
                outputFiles: [output])
        }
    }
}
