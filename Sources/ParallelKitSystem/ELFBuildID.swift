/// Reads the GNU build-id note (`NT_GNU_BUILD_ID`) of an ELF file on disk, without running it
/// and without external tools: the ELF header, then the program headers, then each `PT_NOTE`
/// segment's notes. Every offset and size is checked against the file before it is read.
///
/// The running executable's own build-id comes from its loaded image instead
/// (`pk_executable_build_id`); both give the same bytes for the same file.
package enum ELFBuildID {
    /// Why a file's build-id could not be read.
    package enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Opening or reading the file failed.
        case system(SystemError)
        /// The file is not an ELF file this reader understands (little-endian, 32- or 64-bit).
        case notELF(String)
        /// The file is ELF but carries no GNU build-id note (linked without `--build-id`).
        case noNote

        package var description: String {
            switch self {
            case .system(let error): return "\(error)"
            case .notELF(let why): return "not an ELF executable (\(why))"
            case .noNote: return "no GNU build-id note (link with -Wl,--build-id)"
            }
        }
    }

    /// The build-id bytes of the ELF file at `path`.
    package static func read(path: String) throws(Failure) -> [UInt8] {
        let fd: Int32
        do {
            fd = try systemCall("open") { path.withCString { open($0, O_RDONLY | O_CLOEXEC) } }
        } catch {
            throw .system(error)
        }
        defer { close(fd) }
        let file = FileReader(fd: fd)
        let header = try file.bytes(at: 0, count: 64)
        guard header.starts(with: [0x7F, 0x45, 0x4C, 0x46]) else { throw .notELF("no ELF magic") }
        guard header[5] == 1 else { throw .notELF("big-endian") }
        let wide: Bool
        switch header[4] {
        case 1: wide = false
        case 2: wide = true
        default: throw .notELF("unknown class \(header[4])")
        }
        // e_phoff, e_phentsize, e_phnum: at 32/54/56 in ELF64, at 28/42/44 in ELF32.
        let tableOffset = wide ? header.littleEndian(at: 32, width: 8) : header.littleEndian(at: 28, width: 4)
        let entrySize = header.littleEndian(at: wide ? 54 : 42, width: 2)
        let entryCount = header.littleEndian(at: wide ? 56 : 44, width: 2)
        guard entrySize >= (wide ? 56 : 32), entryCount <= 4096 else { throw .notELF("bad program header table") }
        let table = try file.bytes(at: tableOffset, count: entrySize * entryCount)
        for index in 0..<entryCount {
            let entry = Array(table[(index * entrySize)..<((index + 1) * entrySize)])
            guard entry.littleEndian(at: 0, width: 4) == 4 else { continue }  // PT_NOTE
            // p_offset, p_filesz: at 8/32 in ELF64, at 4/16 in ELF32.
            let offset = wide ? entry.littleEndian(at: 8, width: 8) : entry.littleEndian(at: 4, width: 4)
            let size = wide ? entry.littleEndian(at: 32, width: 8) : entry.littleEndian(at: 16, width: 4)
            guard size <= 1 << 20 else { continue }
            if let id = buildID(inNotes: try file.bytes(at: offset, count: size)) { return id }
        }
        throw .noNote
    }

    /// The descriptor of the first `GNU` note of type 3 (`NT_GNU_BUILD_ID`) in `notes`.
    package static func buildID(inNotes notes: [UInt8]) -> [UInt8]? {
        var at = 0
        while at + 12 <= notes.count {
            let nameSize = notes.littleEndian(at: at, width: 4)
            let descriptorSize = notes.littleEndian(at: at + 4, width: 4)
            let type = notes.littleEndian(at: at + 8, width: 4)
            let name = at + 12
            let descriptor = name + (nameSize + 3) & ~3
            guard nameSize <= notes.count, descriptorSize <= notes.count, descriptor + descriptorSize <= notes.count
            else { return nil }
            if type == 3 && nameSize == 4 && Array(notes[name..<(name + 4)]) == [0x47, 0x4E, 0x55, 0] {
                return Array(notes[descriptor..<(descriptor + descriptorSize)])
            }
            at = descriptor + (descriptorSize + 3) & ~3
        }
        return nil
    }

    /// Reads exact ranges of an open file.
    private struct FileReader {
        let fd: Int32

        func bytes(at offset: Int, count: Int) throws(Failure) -> [UInt8] {
            guard offset >= 0, count >= 0, count <= 1 << 24 else { throw .notELF("a range out of bounds") }
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let got: Int
                do {
                    got = try systemCall("pread") {
                        bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
                    }
                } catch {
                    throw .system(error)
                }
                guard got > 0 else { throw .notELF("the file ends early") }
                done += got
            }
            return bytes
        }
    }
}

extension [UInt8] {
    /// The unsigned little-endian integer of `width` bytes at `offset` (the caller checked the range).
    fileprivate func littleEndian(at offset: Int, width: Int) -> Int {
        var value: UInt64 = 0
        for index in (0..<width).reversed() { value = value << 8 | UInt64(self[offset + index]) }
        return Int(clamping: value)
    }
}
