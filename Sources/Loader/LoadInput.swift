import Foundation

/// One input of a load, as found on disk: a regular file, a `.gz` file, or a stream (stdin, a FIFO,
/// a socket, a character device) that can be read only once, front to back.
struct LoadInput: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case regularFile
        case gzipFile
        /// Read once, front to back: checkpointed only under an explicit `--source`.
        case stream
    }

    /// The path as given; `-` is stdin.
    let path: String
    let kind: Kind

    static let standardInput = LoadInput(path: "-", kind: .stream)

    /// What `path` is (following symlinks). Directories are not inputs: ``LoadJob`` expands them.
    static func classify(_ path: String) throws -> LoadInput {
        if path == "-" { return .standardInput }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw InputError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return LoadInput(path: path, kind: path.hasSuffix(".gz") ? .gzipFile : .regularFile)
        case S_IFIFO, S_IFSOCK, S_IFCHR:
            return LoadInput(path: path, kind: .stream)
        case S_IFDIR:
            throw InputError(description: "\(path) is a directory")
        default:
            throw InputError(description: "\(path) is neither a file nor a stream (a block device?)")
        }
    }

    /// Opens the input for reading from its first byte.
    func open() throws -> any ByteSource {
        switch kind {
        case .regularFile: return try FileByteSource(path: path)
        case .gzipFile: return try GzipByteSource(try FileByteSource(path: path))
        case .stream: return path == "-" ? FileByteSource(standardInput: ()) : try FileByteSource(path: path)
        }
    }
}

/// An input opened where its load must start, after its checkpoint was checked against it.
///
/// `@unchecked Sendable`: the byte source moves once, from the thread that prepared it to the
/// reader thread; no two threads ever use it at once.
struct PreparedInput: @unchecked Sendable {
    var source: any ByteSource
    var start: LineReader.Start
    /// Device and inode of a file input (recorded with each checkpoint).
    var identity: FileIdentity?
    /// Why the input is read from its start although a checkpoint said otherwise.
    var rereadReason: String?
    /// The checkpoint predates fingerprints: the resume trusted it without checking the bytes.
    var resumedUnverified = false

    /// Checks `checkpoint` against what `input` holds now and opens it where the load must start:
    /// after the checkpoint when the bytes before it are the ones that were loaded, at its start
    /// (with a reason) when the file was rotated, truncated or rewritten. A stream cannot be read
    /// again, so a stream that does not match its checkpoint is an error.
    ///
    /// Blocking: may read (and for `.gz` and streams, consume) everything up to the checkpoint.
    static func prepare(_ input: LoadInput, checkpoint: SavedCheckpoint?) throws -> PreparedInput {
        let source = try input.open()
        let identity = (source as? FileByteSource)?.identity ?? (source as? GzipByteSource)?.fileIdentity
        let fresh = PreparedInput(source: source, start: .beginning, identity: input.kind == .stream ? nil : identity)
        guard let checkpoint, checkpoint.position.offset > 0 else { return fresh }
        let offset = checkpoint.position.offset
        let window = Int(min(Int64(SourceFingerprint.window), offset))

        func reread(_ reason: String) throws -> PreparedInput {
            // A fresh handle: the one above may have been read from.
            var result = PreparedInput(source: try input.open(), start: .beginning, identity: fresh.identity)
            result.rereadReason = reason
            return result
        }

        if input.kind != .stream, let saved = checkpoint.identity, let identity, saved != identity {
            return try reread("it is not the file that was checkpointed (another inode: rotated or replaced)")
        }
        let head: [UInt8]
        let before: [UInt8]
        switch input.kind {
        case .regularFile:
            guard let file = source as? FileByteSource else { return fresh }
            let size = file.regularFileSize ?? 0
            if size < offset {
                return try reread("it is shorter (\(size) bytes) than its checkpoint (byte \(offset)): truncated or replaced")
            }
            head = try file.read(count: window, at: 0)
            before = try file.read(count: window, at: offset - Int64(window))
        case .gzipFile, .stream:
            let prefix = try consume(source, bytes: offset, window: window)
            guard prefix.consumed == offset else {
                if input.kind == .stream {
                    throw InputError(description: "\(input.path == "-" ? "stdin" : input.path) ended at byte \(prefix.consumed), before its checkpoint at byte \(offset): it is not the stream that was checkpointed; use --restart to load it from its start, or another --source name")
                }
                return try reread("it is shorter (\(prefix.consumed) bytes decompressed) than its checkpoint (byte \(offset)): truncated or replaced")
            }
            head = prefix.head
            before = prefix.before
        }
        var result = fresh
        result.start = LineReader.Start(position: checkpoint.position, head: head, before: before, positioned: true)
        if let recorded = checkpoint.fingerprint {
            guard recorded == SourceFingerprint.compute(offset: offset, head: head, tail: before) else {
                if input.kind == .stream {
                    throw InputError(description: "\(input.path == "-" ? "stdin" : input.path) does not begin with the bytes its checkpoint recorded: it is another stream; use --restart to load it from its start, or another --source name")
                }
                return try reread("its bytes before the checkpoint (byte \(offset)) changed: rewritten in place")
            }
        } else {
            result.resumedUnverified = true
        }
        if input.kind == .regularFile, let file = source as? FileByteSource, !file.seek(to: offset) {
            throw InputError(description: "cannot seek \(input.path) to byte \(offset)")
        }
        return result
    }

    /// Reads and drops the first `bytes` bytes, keeping the first and last `window` of them.
    private static func consume(_ source: any ByteSource, bytes: Int64, window: Int) throws -> (consumed: Int64, head: [UInt8], before: [UInt8]) {
        var consumed: Int64 = 0
        var head: [UInt8] = []
        var recent = RecentBytes(capacity: max(window, 1), endingAt: 0)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while consumed < bytes {
            let wanted = Int(min(Int64(chunk.count), bytes - consumed))
            let count = try chunk.withUnsafeMutableBytes { try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<wanted])) }
            if count == 0 { break }
            if head.count < window { head.append(contentsOf: chunk[0..<min(count, window - head.count)]) }
            chunk.withUnsafeBytes { recent.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            consumed += Int64(count)
        }
        var before: [UInt8] = []
        let kept = min(Int64(window), consumed)
        recent.copy(from: consumed - kept, to: consumed, into: &before)
        return (consumed, head, before)
    }
}
