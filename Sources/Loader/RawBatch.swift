/// Input lines as read, grouped into one batch: one contiguous byte buffer plus where each line
/// sits in it and in its source. No per-line allocation.
public struct RawBatch: Sendable {
    /// One input line.
    public struct Line: Sendable, Equatable {
        /// Range of the line's bytes in `RawBatch.bytes` (newline excluded).
        public var start: Int
        public var length: Int
        /// 1-based line number in the source.
        public var number: Int64
        /// Byte offset of the line's first byte in the source.
        public var offset: Int64
        /// The line's full length when it was longer than the reader keeps (its tail was dropped).
        public var droppedBytes: Int64
    }

    /// Sequence number of this batch within the load (0, 1, …).
    public var sequence: Int
    public var bytes: [UInt8]
    public var lines: [Line]
    /// Source byte range this batch covers, newlines included: `[startOffset, endOffset)`.
    public var startOffset: Int64
    public var endOffset: Int64
    /// ``SourceFingerprint`` of the source's bytes `[0, endOffset)`, recorded with the checkpoint so
    /// a resume can tell the same file from a rotated or rewritten one. Empty when unknown.
    public var endFingerprint: [UInt8] = []
    /// Set when this batch is a part of a batch split to fit `statement_timeout` (`.1`, `.2.1`, …):
    /// appended to the batch id, so a retried part is still recognized once committed.
    public var part = ""
    /// The lines' ids in `rejected_events` when they are replayed from there.
    public var rejectIDs: [Int64] = []
    /// For a batch of queue messages: where each line sits in its queue (committed with the batch).
    public var queue: QueueProgress?

    public init(sequence: Int, startOffset: Int64) {
        self.sequence = sequence
        self.bytes = []
        self.lines = []
        self.startOffset = startOffset
        self.endOffset = startOffset
    }

    /// A copy of line `index`'s bytes.
    public func lineBytes(_ index: Int) -> [UInt8] {
        let line = lines[index]
        return Array(bytes[line.start..<(line.start + line.length)])
    }

    /// Lines `[0, index)` and `[index, count)` as two batches, each covering its own byte range.
    /// The first part's end fingerprint is unknown (a resume never starts there unverified).
    func split(at index: Int) -> (RawBatch, RawBatch) {
        precondition(index > 0 && index < lines.count, "split inside the batch")
        var first = self
        var second = self
        first.lines = Array(lines[..<index])
        second.lines = Array(lines[index...])
        first.endOffset = lines[index].offset
        first.endFingerprint = []
        second.startOffset = lines[index].offset
        first.part += ".1"
        second.part += ".2"
        if !rejectIDs.isEmpty {
            first.rejectIDs = Array(rejectIDs[..<index])
            second.rejectIDs = Array(rejectIDs[index...])
        }
        if let queue {
            first.queue?.messages = Array(queue.messages[..<index])
            second.queue?.messages = Array(queue.messages[index...])
            // Kafka: the second half's partitions start where the first half's ended.
            var starts = queue.starts
            for message in queue.messages[..<index] {
                starts[message.partition] = max(starts[message.partition] ?? 0, message.offset + 1)
            }
            second.queue?.starts = starts
        }
        return (first, second)
    }
}
