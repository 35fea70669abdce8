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
        let milliseconds: Int32 = timeout.map { Int32(clamping: $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) } ?? -1
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
}

/// Decompresses gzip (or zlib) data from another source, streaming; concatenated members allowed.
final class GzipByteSource: ByteSource {
    private let inner: FileByteSource
    private var stream = z_stream()
    private var input: [UInt8]
    private var inputStart = 0
    private var inputEnd = 0
    private var finished = false
    private var initialized = false

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

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let outputBase = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while !finished {
            if inputStart == inputEnd {
                let count = try input.withUnsafeMutableBytes { try inner.read(into: $0) }
                if count == 0 {
                    finished = true
                    if stream.total_in > 0 && stream.avail_in == 0 && lastStatus != Z_STREAM_END {
                        throw InputError(description: "\(inner.name): gzip data ends early (truncated file?)")
                    }
                    return 0
                }
                inputStart = 0
                inputEnd = count
            }
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
            switch lastStatus {
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_STREAM_END:
                // Another gzip member may follow (cat a.gz b.gz).
                inflateReset(&stream)
            default:
                throw InputError(description: "\(inner.name): corrupt gzip data (zlib status \(lastStatus))")
            }
            if produced > 0 { return produced }
        }
        return 0
    }

    private var lastStatus: Int32 = Z_OK

    func waitReadable(timeout: Duration?) -> Bool { inner.waitReadable(timeout: timeout) }
    func seek(to offset: Int64) -> Bool { false }
}
