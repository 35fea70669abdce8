#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where `sluice generate` writes: a file it creates (or truncates), or standard output. Owns its
/// descriptor and closes it in `deinit`; writes go straight to `write(2)` in the caller's chunks
/// (the generator hands over ~1 MiB at a time), so there is no second buffer and no `FILE*` lock.
public final class NDJSONOutputFile {
    /// Why output failed, with what to do about it.
    public struct WriteError: Error, CustomStringConvertible {
        /// The file (or "standard output").
        public let target: String
        /// The operating system's reason.
        public let reason: String

        public var description: String { "cannot write \(target): \(reason)" }
    }

    private var descriptor: Int32
    private let ownsDescriptor: Bool
    /// The file path, or "standard output".
    public let target: String
    /// Bytes written so far.
    public private(set) var bytesWritten = 0

    /// Opens `path` for writing (created with mode 0644, truncated), or standard output when
    /// `path` is nil or `-`.
    public init(path: String?) throws(WriteError) {
        guard let path, path != "-" else {
            descriptor = STDOUT_FILENO
            ownsDescriptor = false
            target = "standard output"
            return
        }
        let opened = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard opened >= 0 else {
            throw WriteError(target: path, reason: "\(String(cString: strerror(errno))) (does the directory exist and is it writable?)")
        }
        descriptor = opened
        ownsDescriptor = true
        target = path
    }

    /// Writes every byte of `bytes`, retrying short writes and interrupted calls.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(WriteError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            #if canImport(Glibc)
            let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
            #else
            let written = Darwin.write(descriptor, base + offset, bytes.count - offset)
            #endif
            if written < 0 {
                if errno == EINTR { continue }
                throw WriteError(target: target, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
        bytesWritten += bytes.count
    }

    /// Closes the file, reporting a failure (e.g. a full disk surfacing at close) that `deinit` would hide.
    public func close() throws(WriteError) {
        guard ownsDescriptor, descriptor >= 0 else { return }
        let result = closeDescriptor(descriptor)
        descriptor = -1
        if result != 0 { throw WriteError(target: target, reason: String(cString: strerror(errno))) }
    }

    deinit {
        if ownsDescriptor, descriptor >= 0 { _ = closeDescriptor(descriptor) }
    }
}

private func closeDescriptor(_ descriptor: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.close(descriptor)
    #else
    Darwin.close(descriptor)
    #endif
}
