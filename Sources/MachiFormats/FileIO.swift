import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file read front to back in fixed-size chunks, so a reader holds at most a chunk or two
/// however large the file is. Counts the bytes taken from disk for progress reporting.
final class ChunkedFile {
    static let defaultChunkSize = 1 << 20

    let path: String
    let size: Int64
    let chunkSize: Int
    /// File offset of the next byte `readChunk` will return.
    private(set) var offset: Int64 = 0
    private let handle: UnsafeMutablePointer<FILE>
    private let scratch: UnsafeMutableBufferPointer<UInt8>

    init(path: String, chunkSize: Int = ChunkedFile.defaultChunkSize) throws(FormatError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .fatal(.file, "\(path): no such file")
        }
        guard !isDirectory.boolValue else { throw .fatal(.file, "\(path) is a directory, not a file") }
        guard let handle = fopen(path, "rb") else {
            throw .fatal(.file, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard fseeko(handle, 0, SEEK_END) == 0 else {
            fclose(handle)
            throw .fatal(.file, "cannot determine the size of \(path)")
        }
        self.size = Int64(ftello(handle))
        rewind(handle)
        self.path = path
        self.chunkSize = chunkSize
        self.handle = handle
        self.scratch = .allocate(capacity: chunkSize)
    }

    deinit {
        fclose(handle)
        scratch.deallocate()
    }

    /// Appends up to `maxCount` (default one chunk) bytes to `buffer`; returns how many, 0 at the end of the file.
    @discardableResult
    func readChunk(into buffer: inout [UInt8], maxCount: Int? = nil) throws(FormatError) -> Int {
        let want = min(maxCount ?? chunkSize, chunkSize)
        guard want > 0 else { return 0 }
        let got = fread(scratch.baseAddress, 1, want, handle)
        // Appending from a pointer is a plain copy even in debug builds, unlike zero-filling the array first.
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<got]))
        if got < want && ferror(handle) != 0 {
            throw .fatal(.file, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        offset += Int64(got)
        return got
    }

    func seek(to newOffset: Int64) throws(FormatError) {
        guard fseeko(handle, off_t(newOffset), SEEK_SET) == 0 else {
            throw .fatal(.file, "cannot seek in \(path)")
        }
        offset = newOffset
    }
}

/// Exact-size reads over a `ChunkedFile`, for binary formats made of length-prefixed records.
final class SequentialReader {
    let file: ChunkedFile
    private var buffer: [UInt8] = []
    private var position = 0

    init(_ file: ChunkedFile) {
        self.file = file
    }

    /// File offset of the next byte `read` will return.
    var offset: Int64 { file.offset - Int64(buffer.count - position) }
    var remaining: Int64 { file.size - offset }

    /// `count` bytes, or fewer only when the file ends first.
    func read(_ count: Int) throws(FormatError) -> [UInt8] {
        while buffer.count - position < count {
            // Drop consumed bytes before growing so the buffer stays near one chunk plus one record.
            if position > 0 {
                buffer.removeSubrange(0..<position)
                position = 0
            }
            let needed = count - buffer.count
            if try file.readChunk(into: &buffer, maxCount: max(needed, file.chunkSize)) == 0 { break }
        }
        let end = min(position + count, buffer.count)
        defer { position = end }
        return Array(buffer[position..<end])
    }
}

/// A file written front to back, with the option to go back and fill in a header once the
/// record count and extent are known.
final class OutputFile {
    let path: String
    private var handle: UnsafeMutablePointer<FILE>?

    init(path: String) throws(FormatError) {
        guard let handle = fopen(path, "wb") else {
            throw .fatal(.file, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.handle = handle
    }

    deinit {
        if let handle { fclose(handle) }
    }

    func write(_ bytes: [UInt8]) throws(FormatError) {
        guard let handle else { throw .fatal(.file, "\(path) is already closed") }
        let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, handle) }
        guard written == bytes.count else {
            throw .fatal(.file, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    func seek(to offset: Int64) throws(FormatError) {
        guard let handle, fseeko(handle, off_t(offset), SEEK_SET) == 0 else {
            throw .fatal(.file, "cannot seek in \(path)")
        }
    }

    func close() throws(FormatError) {
        guard let handle else { return }
        self.handle = nil
        guard fclose(handle) == 0 else {
            throw .fatal(.file, "cannot finish writing \(path): \(String(cString: strerror(errno)))")
        }
    }
}
