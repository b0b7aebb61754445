import Foundation
import ParallelKitSystem
import Testing

@_spi(Backend) @testable import ParallelKit

@Suite("ELFBuildID")
struct ELFBuildIDTests {
    @Test("the build ID read from this executable's file is the one its loaded image carries")
    func ownExecutable() throws {
        #expect(!WorkerTasks.executableBuildID.isEmpty)
        #expect(try WorkerTasks.buildID(ofExecutable: "/proc/self/exe") == WorkerTasks.executableBuildID)
    }

    @Test("another executable's build ID: hex, and different from this one")
    func otherExecutable() throws {
        let id = try WorkerTasks.buildID(ofExecutable: testWorkerPath())
        #expect(id.count >= 16 && id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(id != WorkerTasks.executableBuildID)
    }

    @Test("a missing file, a file that is not ELF, and notes without a build ID are errors naming the file")
    func unreadable() throws {
        #expect {
            _ = try WorkerTasks.buildID(ofExecutable: "/nonexistent/worker")
        } throws: { error in
            guard let error = error as? BackendError else { return false }
            return error.code == .buildIDUnreadable && error.detail?.contains("/nonexistent/worker") == true
        }
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("pk-not-elf-\(getpid()).sh").path
        _ = FileManager.default.createFile(atPath: script, contents: Data("#!/bin/sh\necho hi\n".utf8))
        defer { unlink(script) }
        #expect {
            _ = try WorkerTasks.buildID(ofExecutable: script)
        } throws: { error in
            (error as? BackendError)?.detail?.contains("not an ELF") == true
        }
        // A note of another type and name before nothing: no build ID.
        let notes: [UInt8] = [4, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0] + Array("ABI\0".utf8) + [0, 0, 0, 0]
        #expect(ELFBuildID.buildID(inNotes: notes) == nil)
        let gnu: [UInt8] = [4, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0] + Array("GNU\0".utf8) + [0xab, 0xcd, 0xef, 0]
        #expect(ELFBuildID.buildID(inNotes: notes + gnu) == [0xab, 0xcd, 0xef])
        // Lengths that run past the notes are not trusted.
        #expect(ELFBuildID.buildID(inNotes: [4, 0, 0, 0, 0xff, 0xff, 0, 0, 3, 0, 0, 0] + Array("GNU\0".utf8)) == nil)
    }
}
