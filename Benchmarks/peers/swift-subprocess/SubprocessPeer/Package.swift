// swift-tools-version: 6.2
// The Swift peer of the `run-library` benchmark row (issue 15): N × `true`, a bounded number at
// a time, through swift-subprocess 1.0 from a task group, as a Swift programmer would write it
// without ParallelKit. Run by Benchmarks/compare-run-library.sh; not part of the ParallelKit package.
// Its folder is not named swift-subprocess: SwiftPM names a root package after its folder, and
// a package of that name could not depend on swift-subprocess.
import PackageDescription

let package = Package(
    name: "SubprocessPeer",
    dependencies: [
        // Without the default SubprocessFoundation trait: the peer needs no Foundation, and
        // loading it would add start-up time that is not swift-subprocess's own.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2", traits: [])
    ],
    targets: [
        .executableTarget(
            name: "SubprocessPeer",
            dependencies: [.product(name: "Subprocess", package: "swift-subprocess")]
        )
    ],
    swiftLanguageModes: [.v6]
)
