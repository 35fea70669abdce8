import CZlib
import Crypto
import Foundation

/// One file of an export, written so that a kill at any instant leaves either no file of that name
/// or the complete one: NDJSON lines are gzip-compressed into a hidden temporary file (`.name.tmp`,
/// which erasure removes too), that is fsynced, renamed to its name, and the directory fsynced.
/// The SHA-256 and size of the bytes on disk are computed as they are written.
///
/// Owns its file descriptor and its zlib stream; `deinit` frees both if `finish` was never reached
/// (a failed export leaves only the temporary file, replaced by the next run).
final class ExportFileWriter {
    /// What a finished file is: recorded in the request's row_counts and in manifest.json.
    struct Written: Codable, Sendable, Equatable {
        var rows: Int64
        var bytes: Int64
        var sha256: String
    }

    let directory: String
    let name: String
    private let temporaryPath: String
    private var descriptor: Int32
    private var stream = z_stream()
    private var streamOpen = false
    private var output = [UInt8](repeating: 0, count: 1 << 16)
    private var hasher = SHA256()
    private var bytesWritten: Int64 = 0
    private(set) var rows: Int64 = 0

    /// zlib level 1: the export is bound by compression otherwise (level 6 is ~3x slower for ~10 % smaller files).
    init(directory: String, name: String, level: Int32 = 1) throws {
        self.directory = directory
        self.name = name
        temporaryPath = (directory as NSString).appendingPathComponent(".\(name).tmp")
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Self.failure("cannot create \(temporaryPath)") }
        guard sluice_deflate_init_gzip(&stream, level) == Z_OK else {
            throw ComplianceError("cannot start gzip compression for \(temporaryPath)")
        }
        streamOpen = true
    }

    deinit {
        if streamOpen { deflateEnd(&stream) }
        if descriptor >= 0 { close(descriptor) }
    }

    /// Appends one line (`bytes` without its newline).
    func appendLine(_ bytes: UnsafeRawBufferPointer) throws {
        try compress(bytes, flush: Z_NO_FLUSH)
        var newline = UInt8(ascii: "\n")
        try withUnsafeBytes(of: &newline) { try compress($0, flush: Z_NO_FLUSH) }
        rows += 1
    }

    func appendLine(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try appendLine($0) }
    }

    /// Ends the gzip stream, makes the file durable under its name, and says what it is.
    func finish() throws -> Written {
        try compress(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
        deflateEnd(&stream)
        streamOpen = false
        guard fsync(descriptor) == 0 else { throw Self.failure("cannot fsync \(temporaryPath)") }
        close(descriptor)
        descriptor = -1
        try Self.publish(temporaryPath, as: name, in: directory)
        return Written(rows: rows, bytes: bytesWritten, sha256: hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }

    private func compress(_ input: UnsafeRawBufferPointer, flush: Int32) throws {
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        // zlib's loop: until the input is consumed (output space left over), or, finishing, until
        // the stream's end is written.
        while true {
            let (produced, status): (Int, Int32) = try output.withUnsafeMutableBytes { buffer in
                stream.next_out = buffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(buffer.count)
                let status = deflate(&stream, flush)
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    throw ComplianceError("gzip compression of \(name) failed (zlib status \(status))")
                }
                return (buffer.count - Int(stream.avail_out), status)
            }
            if produced > 0 { try write(produced) }
            if flush == Z_FINISH ? status == Z_STREAM_END : stream.avail_out != 0 { return }
        }
    }

    private func write(_ count: Int) throws {
        try output.withUnsafeBytes { buffer in
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            hasher.update(bufferPointer: chunk)
            var offset = 0
            while offset < count {
                let written = Foundation.write(descriptor, chunk.baseAddress! + offset, count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Self.failure("cannot write \(temporaryPath)")
                }
                offset += written
            }
        }
        bytesWritten += Int64(count)
    }

    // MARK: - Durable small files and renames

    /// Writes `bytes` to `name` in `directory` the same way (temporary file, fsync, rename, fsync
    /// of the directory); returns its size and SHA-256.
    static func writeWhole(_ bytes: [UInt8], as name: String, in directory: String) throws -> Written {
        let temporary = (directory as NSString).appendingPathComponent(".\(name).tmp")
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("cannot create \(temporary)") }
        defer { close(descriptor) }
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw failure("cannot write \(temporary)")
                }
                offset += written
            }
        }
        guard fsync(descriptor) == 0 else { throw failure("cannot fsync \(temporary)") }
        try publish(temporary, as: name, in: directory)
        return Written(rows: 0, bytes: Int64(bytes.count), sha256: SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
    }

    /// The size and SHA-256 of a file on disk (nil when it is not there), read in blocks.
    static func digest(ofFileAt path: String) -> (bytes: Int64, sha256: String)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while let block = try? handle.read(upToCount: 1 << 20), !block.isEmpty {
            hasher.update(data: block)
            size += Int64(block.count)
        }
        return (size, hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }

    private static func publish(_ temporary: String, as name: String, in directory: String) throws {
        let final = (directory as NSString).appendingPathComponent(name)
        guard rename(temporary, final) == 0 else { throw failure("cannot rename \(temporary) to \(final)") }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else { throw failure("cannot open \(directory)") }
        defer { close(directoryDescriptor) }
        guard fsync(directoryDescriptor) == 0 else { throw failure("cannot fsync \(directory)") }
    }

    private static func failure(_ what: String) -> ComplianceError {
        ComplianceError("\(what): \(String(cString: strerror(errno))) (is the --out directory writable, with space left?)")
    }
}
