import CZlib
import Foundation

/// Where input bytes come from: a file, stdin, or a gzip stream over either.
protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes; 0 at end of input.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Waits until bytes can be read, at most `timeout` (nil: forever). False on timeout.
    func waitReadable(timeout: Duration?) -> Bool
    /// Moves to `offset` in the (decompressed) stream; returns false if the source cannot seek, in
    /// which case the caller reads and discards.
    func seek(to offset: Int64) -> Bool
}

/// Errors reading input, with the path.
public struct InputError: Error, CustomStringConvertible {
    public var description: String
}

/// A file descriptor: a regular file (seekable) or a pipe/terminal (stdin).
final class FileByteSource: ByteSource {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    let name: String

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw InputError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw InputError(description: "\(path) is a directory")
        }
        self.descriptor = fd
        self.ownsDescriptor = true
        self.name = path
    }

    init(standardInput: Void) {
        self.descriptor = STDIN_FILENO
        self.ownsDescriptor = false
        self.name = "stdin"
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            if errno == EAGAIN { _ = waitReadable(timeout: nil); continue }
            throw InputError(description: "reading \(name) failed: \(String(cString: strerror(errno)))")
        }
    }

    func waitReadable(timeout: Duration?) -> Bool {
        var descriptorSet = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds: Int32 = timeout.map { Int32(clamping: $0.wholeMilliseconds) } ?? -1
        while true {
            let ready = poll(&descriptorSet, 1, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            return ready != 0
        }
    }

    func seek(to offset: Int64) -> Bool {
        lseek(descriptor, off_t(offset), SEEK_SET) == off_t(offset)
    }

    /// Size of a regular file, nil for pipes.
    var regularFileSize: Int64? {
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    /// Device and inode of what is open (the file read, whatever its path names now).
    var identity: FileIdentity? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Reads exactly `count` bytes at `offset` without moving the read position; fewer at the end.
    func read(count: Int, at offset: Int64) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = result.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return pread(descriptor, base + filled, count - filled, off_t(offset) + off_t(filled))
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw InputError(description: "reading \(name) failed: \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            filled += got
        }
        return Array(result[0..<filled])
    }
}

/// Decompresses gzip (or zlib) data from another source, streaming; concatenated members allowed.
///
/// gzip checks a member's CRC-32 and length only at the member's end, so bytes decompressed before
/// that are unverified: `verifiedOutput` is how many decompressed bytes the members that ended so
/// far vouch for. A CRC mismatch, corrupt deflate data or a truncated member throws.
final class GzipByteSource: ByteSource {
    private let inner: FileByteSource
    private var stream = z_stream()
    private var input: [UInt8]
    private var inputStart = 0
    private var inputEnd = 0
    private var finished = false
    private var initialized = false
    private var lastStatus: Int32 = Z_OK
    /// Compressed bytes consumed, across members.
    private var compressedConsumed: Int64 = 0
    /// Decompressed bytes produced so far.
    private(set) var outputTotal: Int64 = 0
    /// Decompressed bytes covered by members whose CRC and length checked out.
    private(set) var verifiedOutput: Int64 = 0
    /// Members that ended and checked out.
    private(set) var verifiedMembers = 0

    init(_ inner: FileByteSource) throws {
        self.inner = inner
        self.input = [UInt8](repeating: 0, count: 256 << 10)
        guard sluice_inflate_init_gzip(&stream) == Z_OK else {
            throw InputError(description: "cannot start gzip decompression for \(inner.name)")
        }
        initialized = true
    }

    deinit {
        if initialized { inflateEnd(&stream) }
    }

    var name: String { inner.name }
    /// Device and inode of the compressed file.
    var fileIdentity: FileIdentity? { inner.identity }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let outputBase = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while !finished {
            if inputStart == inputEnd {
                let count = try input.withUnsafeMutableBytes { try inner.read(into: $0) }
                if count == 0 {
                    finished = true
                    if stream.total_in > 0 && lastStatus != Z_STREAM_END {
                        throw InputError(description: "\(inner.name): gzip data ends early, inside member \(verifiedMembers + 1) (truncated file, or still being written?); the first \(verifiedOutput) decompressed bytes are verified")
                    }
                    return 0
                }
                inputStart = 0
                inputEnd = count
            }
            let before = inputStart
            let produced: Int = input.withUnsafeMutableBytes { inputBytes in
                guard let inputBase = inputBytes.baseAddress else { return 0 }
                stream.next_in = inputBase.assumingMemoryBound(to: Bytef.self) + inputStart
                stream.avail_in = uInt(inputEnd - inputStart)
                stream.next_out = outputBase.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(buffer.count)
                lastStatus = inflate(&stream, Z_NO_FLUSH)
                inputStart = inputEnd - Int(stream.avail_in)
                return buffer.count - Int(stream.avail_out)
            }
            compressedConsumed += Int64(inputStart - before)
            outputTotal += Int64(produced)
            switch lastStatus {
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_STREAM_END:
                // The member's CRC-32 and length matched. Another member may follow (cat a.gz b.gz).
                verifiedOutput = outputTotal
                verifiedMembers += 1
                inflateReset(&stream)
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "zlib status \(lastStatus)"
                throw InputError(description: "\(inner.name): corrupt gzip data (\(reason)) near compressed byte \(compressedConsumed), inside member \(verifiedMembers + 1); the first \(verifiedOutput) decompressed bytes are verified")
            }
            if produced > 0 { return produced }
        }
        return 0
    }

    func waitReadable(timeout: Duration?) -> Bool { inner.waitReadable(timeout: timeout) }
    func seek(to offset: Int64) -> Bool { false }
}
