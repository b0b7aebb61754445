// swift-tools-version: 6.2
import CompilerPluginSupport
import PackageDescription

let package = Package(
    name: "ParallelKit",
    products: [
        .library(name: "ParallelKit", targets: ["ParallelKit"]),
        // Running programs in parallel from Swift: the engine of `parallelkit run` as a library.
        .library(name: "ParallelKitRun", targets: ["ParallelKitRun"]),
        // Tables and CSV files in parallel: rows, columns, partitions, chunked CSV apply.
        .library(name: "ParallelKitTabular", targets: ["ParallelKitTabular"]),
        .executable(name: "parallelkit", targets: ["ParallelKitCLI"]),
        // `@WorkerFunction`: tasks declared as functions. Its own product, so that ParallelKit and
        // the CLI never build swift-syntax.
        .library(name: "ParallelKitMacros", targets: ["ParallelKitMacros"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/swiftlang/swift-syntax", "600.0.0"..<"604.0.0"),
    ],
    targets: [
        .target(name: "CParallelKit"),
        .target(name: "ParallelKitSystem", dependencies: ["CParallelKit"]),
        .target(
            name: "ParallelKit",
            dependencies: [
                "CParallelKit",
                "ParallelKitSystem",
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            exclude: ["Engine/README.md"]
        ),
        // The command runner (GNU parallel's semantics): ParallelKit's `Workers` and progress,
        // the system layer's spawner. ParallelKit does not depend on it.
        .target(name: "ParallelKitRun", dependencies: ["ParallelKit", "ParallelKitSystem", "CParallelKit"]),
        // Tables and CSV (no Foundation: its own parser, the system layer's calls).
        .target(name: "ParallelKitTabular", dependencies: ["ParallelKit", "ParallelKitSystem"]),
        .executableTarget(
            name: "ParallelKitCLI",
            dependencies: [
                "ParallelKit",
                "ParallelKitRun",
                "ParallelKitTabular",
                "CParallelKit",
                "ParallelKitSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The `@WorkerFunction` macro: its declaration (ParallelKitMacros, which re-exports
        // ParallelKit) and its implementation, a compiler plugin on swift-syntax.
        .target(name: "ParallelKitMacros", dependencies: ["ParallelKit", "ParallelKitMacrosPlugin"]),
        .macro(
            name: "ParallelKitMacrosPlugin",
            dependencies: [
                .product(name: "SwiftSyntax", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax"),
                .product(name: "SwiftDiagnostics", package: "swift-syntax"),
            ]
        ),
        // The per-call cost of a task declared as a function against the same task as a type.
        .executableTarget(name: "ParallelKitFunctionBench", dependencies: ["ParallelKitMacros"]),
        .target(
            name: "ParallelKitTestTasks",
            dependencies: ["ParallelKit", "ParallelKitSystem", "ParallelKitMacros", "ParallelKitTabular"]
        ),
        .target(
            name: "ParallelKitTestSupport",
            dependencies: ["ParallelKit", "ParallelKitSystem"]
        ),
        .executableTarget(
            name: "ParallelKitTestWorker",
            dependencies: ["ParallelKit", "ParallelKitSystem", "ParallelKitTestTasks"]
        ),
        // A worker executable that forgot `WorkerTasks.serveIfWorker`: the runaway guard's test.
        .executableTarget(
            name: "ParallelKitForgetfulWorker",
            dependencies: ["ParallelKit", "ParallelKitTestTasks"]
        ),
        // The test recipe's worker (Guides/ProcessPool.md, "Worker processes in tests"): internal
        // tasks that the tests name through `@testable import`, found by `WorkerExecutable.product`.
        .executableTarget(name: "ParallelKitRecipeWorker", dependencies: ["ParallelKit"]),
        // The code blocks of README.md and Guides/*.md, compiled (see Guides/GuideSnippets.swift).
        .target(
            name: "GuideSnippets",
            dependencies: ["ParallelKit", "ParallelKitMacros", "ParallelKitRun", "ParallelKitTabular"],
            path: "Guides",
            plugins: ["GuideSnippetsPlugin"]
        ),
        .plugin(
            name: "GuideSnippetsPlugin",
            capability: .buildTool(),
            dependencies: ["GuideSnippetsTool"]
        ),
        .executableTarget(name: "GuideSnippetsTool"),
        .testTarget(
            name: "ParallelKitTests",
            dependencies: [
                "ParallelKit", "ParallelKitSystem", "ParallelKitCLI", "ParallelKitRun", "ParallelKitTestSupport", "ParallelKitTestTasks",
                "ParallelKitTestWorker", "ParallelKitForgetfulWorker", "ParallelKitRecipeWorker",
                "ParallelKitTabular",
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ParallelKitMacrosTests",
            dependencies: [
                "ParallelKitMacrosPlugin",
                .product(name: "SwiftParser", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacroExpansion", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacrosGenericTestSupport", package: "swift-syntax"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
