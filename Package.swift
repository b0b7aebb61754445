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
        .executable(name: "parallelkit", targets: ["ParallelKitMain"]),
        // `@WorkerFunction`: tasks declared as functions. Its own product, so that ParallelKit and
        // the CLI never build swift-syntax.
        .library(name: "ParallelKitMacros", targets: ["ParallelKitMacros"]),
        // `Memory`: a disk cache of results keyed by task, version and a canonical input, and the
        // checkpoint that resumes an interrupted map. Its own product: swift-crypto brings
        // FoundationEssentials, which ParallelKit and the CLI stay free of.
        .library(name: "ParallelKitMemory", targets: ["ParallelKitMemory"]),
        // MPIPool and the "mpi" backend; empty unless built with `--traits MPI` (Guides/MPI.md).
        .library(name: "ParallelKitMPI", targets: ["ParallelKitMPI"]),
    ],
    traits: [
        .trait(name: "MPI", description: "ParallelKitMPI links Open MPI (Debian's libopenmpi-dev)")
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/swiftlang/swift-syntax", "600.0.0"..<"604.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // `swift package generate-documentation` (the DocC catalogs; .ci/run builds them). A command
        // plugin: a plain `swift build` only compiles its two plugin scripts (~3 s of CPU each);
        // its SymbolKit and snippet-extract are built by generate-documentation alone.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
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
        // The commands of `parallelkit`, a library so that the tests can `@testable import` it:
        // SwiftPM does not order a test's compile after an executable it imports once the tests
        // are built for the host, as ours are (ParallelKitMacrosTests depends on a macro).
        .target(
            name: "ParallelKitCLI",
            dependencies: [
                "ParallelKit",
                "ParallelKitRun",
                "ParallelKitTabular",
                "CParallelKit",
                "ParallelKitSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // `run --mpi`: only with the `MPI` trait, so a plain `parallelkit` never links MPI.
                .target(name: "ParallelKitMPI", condition: .when(traits: ["MPI"])),
            ]
        ),
        // `parallelkit` itself: one line that calls ParallelKitCLI's entry point.
        .executableTarget(name: "ParallelKitMain", dependencies: ["ParallelKitCLI"]),
        .target(
            name: "ParallelKitMemory",
            dependencies: [
                "ParallelKit", "ParallelKitSystem", "CParallelKit", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // A program the Memory tests start: keys computed in another process, two writers of one
        // directory, a resumable map to kill (ParallelKitMemoryTests).
        .executableTarget(name: "ParallelKitMemoryDrill", dependencies: ["ParallelKitMemory", "ParallelKitSystem"]),
        // Benchmarks/compare-memory.sh's ParallelKit rows: memory-cache and memory-resume.
        .executableTarget(
            name: "ParallelKitMemoryBench",
            dependencies: ["ParallelKitMemory", "ParallelKitSystem", .product(name: "Crypto", package: "swift-crypto")]
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
        // MPI (the `MPI` trait): Open MPI's C API through a shim for its macro handles, and
        // `parallelkit run --mpi`'s ranks (ParallelKitMPI/Run, on ParallelKitRun's engine); the test
        // runner is the program the MPI tests start under `mpirun` (it builds without the trait too).
        .systemLibrary(name: "CMPI", pkgConfig: "ompi", providers: [.apt(["libopenmpi-dev"])]),
        .target(
            name: "ParallelKitMPI",
            dependencies: [
                "ParallelKit", "ParallelKitSystem", "ParallelKitRun", "CParallelKit",
                .target(name: "CMPI", condition: .when(traits: ["MPI"])),
            ]
        ),
        .executableTarget(name: "ParallelKitMPITestRunner", dependencies: ["ParallelKitMPI"]),
        .executableTarget(name: "ParallelKitMPIBench", dependencies: ["ParallelKitMPI"]),
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
        // The test recipe (Guides/ProcessPool.md, "Worker processes in tests"): internal tasks in
        // a library that the tests name through `@testable import`, and the worker executable
        // that serves them, found by `WorkerExecutable.product`.
        .target(name: "ParallelKitRecipeTasks", dependencies: ["ParallelKit"]),
        .executableTarget(name: "ParallelKitRecipeWorker", dependencies: ["ParallelKit", "ParallelKitRecipeTasks"]),
        // The code blocks of README.md and Guides/*.md, compiled (see Guides/GuideSnippets.swift).
        .target(
            name: "GuideSnippets",
            dependencies: ["ParallelKit", "ParallelKitMacros", "ParallelKitRun", "ParallelKitMemory", "ParallelKitTabular"],
            path: "Guides",
            plugins: ["GuideSnippetsPlugin"]
        ),
        .plugin(
            name: "GuideSnippetsPlugin",
            capability: .buildTool(),
            dependencies: ["GuideSnippetsTool"]
        ),
        .executableTarget(name: "GuideSnippetsTool"),
        // Examples/: every seed tutorial's programs in Swift, one executable per seed
        // (Examples/README.md); ExamplesTests runs each and checks its answers.
        .executableTarget(name: "Seed000Squares", dependencies: ["ParallelKitMacros"], path: "Examples/Seed000Squares"),
        .executableTarget(name: "Seed001", dependencies: ["ParallelKitMacros"], path: "Examples/Seed001"),
        .executableTarget(name: "Seed002SharedSum", dependencies: ["ParallelKit"], path: "Examples/Seed002SharedSum"),
        .executableTarget(name: "Seed003", dependencies: ["ParallelKitMacros"], path: "Examples/Seed003"),
        .executableTarget(
            name: "Seed004", dependencies: ["ParallelKitMacros", "ParallelKitTabular", "ParallelKitRun"], path: "Examples/Seed004"
        ),
        .testTarget(
            name: "ParallelKitTests",
            dependencies: [
                "ParallelKit", "ParallelKitSystem", "ParallelKitCLI", "ParallelKitMain", "ParallelKitRun", "ParallelKitTestSupport", "ParallelKitTestTasks",
                "ParallelKitMemory",
                "ParallelKitTestWorker", "ParallelKitForgetfulWorker", "ParallelKitRecipeTasks", "ParallelKitRecipeWorker",
                "ParallelKitTabular",
                // Built beside the bundle for ExamplesTests, which runs them (never imports them).
                "Seed000Squares", "Seed001", "Seed002SharedSum", "Seed003", "Seed004",
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ParallelKitMemoryTests",
            dependencies: [
                "ParallelKitMemory", "ParallelKit", "ParallelKitSystem", "ParallelKitMemoryDrill",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
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
