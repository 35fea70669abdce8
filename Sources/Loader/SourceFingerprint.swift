import Crypto

/// What a checkpoint remembers of the bytes it covers, so that a resume can tell the same input from
/// a rotated, truncated or rewritten one at the same path.
///
/// The fingerprint of the first `offset` bytes of a source is SHA-256 over the offset (8 bytes,
/// little-endian), the first `min(4 KiB, offset)` bytes and the last `min(4 KiB, offset)` bytes
/// before the offset. Checking it costs two 4 KiB reads of a regular file; recording it costs one
/// hash of at most 8 KiB per batch.
public enum SourceFingerprint {
    /// Bytes hashed at each end.
    public static let window = 4096

    /// The fingerprint of a source's first `offset` bytes, given its first `min(window, offset)`
    /// bytes (`head`) and the `min(window, offset)` bytes that end at `offset` (`tail`).
    public static func compute(offset: Int64, head: some Collection<UInt8>, tail: some Collection<UInt8>) -> [UInt8] {
        precondition(head.count == min(window, Int(clamping: offset)) && tail.count == head.count, "fingerprint windows")
        var hasher = SHA256()
        withUnsafeBytes(of: offset.littleEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(data: Array(head))
        hasher.update(data: Array(tail))
        return Array(hasher.finalize())
    }
}

/// A file's identity on this machine: a rotated file (renamed away, a new one created at the path)
/// has another inode.
public struct FileIdentity: Sendable, Equatable {
    public var device: UInt64
    public var inode: UInt64

    /// Stored as BIGINT: the same 64 bits, read as signed.
    var storedDevice: Int64 { Int64(bitPattern: device) }
    var storedInode: Int64 { Int64(bitPattern: inode) }

    init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    init(storedDevice: Int64, storedInode: Int64) {
        self.device = UInt64(bitPattern: storedDevice)
        self.inode = UInt64(bitPattern: storedInode)
    }
}

/// The last bytes a reader consumed: enough to fingerprint any recent line end.
///
/// Holds the most recent `capacity` bytes of the stream that end at `end`. Appending is amortized
/// O(1) per byte (a buffer of twice the capacity, compacted when full).
struct RecentBytes {
    let capacity: Int
    private var storage: [UInt8]
    private var start = 0
    /// Stream offset one past the last byte held.
    private(set) var end: Int64

    init(capacity: Int, endingAt end: Int64, initial: [UInt8] = []) {
        self.capacity = capacity
        self.storage = []
        self.storage.reserveCapacity(capacity * 2)
        self.end = end
        self.storage.append(contentsOf: initial.suffix(capacity))
    }

    var count: Int { storage.count - start }
    /// Stream offset of the first byte held.
    var startOffset: Int64 { end - Int64(count) }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        end += Int64(bytes.count)
        if bytes.count >= capacity {
            storage.removeAll(keepingCapacity: true)
            start = 0
            storage.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - capacity)...]))
            return
        }
        if storage.count + bytes.count > capacity * 2 {
            let keep = Array(storage[(storage.count - min(count, capacity - bytes.count))...])
            storage.removeAll(keepingCapacity: true)
            storage.append(contentsOf: keep)
            start = 0
        }
        storage.append(contentsOf: bytes)
        if count > capacity { start = storage.count - capacity }
    }

    /// Appends to `into` the held bytes of stream range `[from, to)` (which must be held).
    func copy(from: Int64, to: Int64, into result: inout [UInt8]) {
        let lower = start + Int(from - startOffset)
        let upper = start + Int(to - startOffset)
        result.append(contentsOf: storage[lower..<upper])
    }
}
