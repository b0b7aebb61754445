// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "ParallelKit",
    products: [
        .library(name: "ParallelKit", targets: ["ParallelKit"]),
        .executable(name: "parallelkit", targets: ["ParallelKitCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
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
        .executableTarget(
            name: "ParallelKitCLI",
            dependencies: [
                "ParallelKit",
                "CParallelKit",
                "ParallelKitSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "ParallelKitTestTasks",
            dependencies: ["ParallelKit", "ParallelKitSystem"]
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
            dependencies: ["ParallelKit"],
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
                "ParallelKit", "ParallelKitSystem", "ParallelKitCLI", "ParallelKitTestSupport", "ParallelKitTestTasks",
                "ParallelKitTestWorker", "ParallelKitForgetfulWorker", "ParallelKitRecipeWorker",
            ],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
