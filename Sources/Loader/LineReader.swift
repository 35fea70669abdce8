import EventContracts
import Foundation

/// Reads one input (file, `.gz` file or stream) on its own thread, splits it into lines and hands
/// batches to the writers through a bounded channel. Memory stays flat whatever the input size:
/// one read buffer, the open batch, and `channel.capacity` waiting batches.
///
/// Line rules: `\n` ends a line and `\r\n` too (the `\r` is part of the terminator); a UTF-8 BOM
/// at the very start is skipped; a line longer than `maxKeptLineBytes` keeps its first bytes and
/// records how many it dropped (it will be rejected). A last line without a newline is a line when
/// the input is final (a stream or `.gz` that ended, or `--final`) or when its JSON value has closed
/// (``JSONCompleteness``); otherwise it is left unread for the next run: a writer may still be
/// appending to it. Every batch carries the fingerprint of the bytes up to its end.
final class LineReader: @unchecked Sendable {
    // @unchecked Sendable: all mutable state is touched only by the reader thread between `run` and
    // the end of `finish`; `finish` reads `failure` and `leftUnread` after the thread signalled.
    struct Configuration {
        var limits: Batcher.Limits
        var maxKeptLineBytes = 16 << 20
        var readChunkBytes = 1 << 20
        /// Whether an unterminated last line is taken as it is (true for streams and `.gz`, whose
        /// end is final) or only once its JSON value closed (regular files, which may still grow).
        var lastLineIsFinal = true
    }

    /// Where reading starts (a checkpoint) and what it reached.
    struct Position: Sendable, Equatable {
        var offset: Int64
        var line: Int64
    }

    /// Where reading starts and what the reader must know of the bytes before it.
    struct Start {
        var position: Position
        /// The source's first `min(4 KiB, offset)` bytes (for fingerprints).
        var head: [UInt8]
        /// The bytes just before `offset` (at least `min(4 KiB, offset)` of them).
        var before: [UInt8]
        /// True when the source is already positioned at `offset` (seeked, or its prefix consumed
        /// while it was verified); false to skip the prefix here.
        var positioned: Bool

        static let beginning = Start(position: .init(offset: 0, line: 0), head: [], before: [], positioned: true)

        /// The previous run ended on a last line without a newline: a newline arriving now ends that
        /// line; it is not a blank line of its own.
        var previousLineUnterminated: Bool { position.offset > 0 && before.last != 0x0A }
    }

    /// An unterminated last line that was not read (a writer may still be appending to it).
    struct LeftUnread: Sendable, Equatable {
        var line: Int64
        var offset: Int64
        var bytes: Int64
    }

    private let source: any ByteSource
    private let configuration: Configuration
    private let channel: BatchChannel<RawBatch>
    private let start: Start
    private var failure: Error?
    private(set) var leftUnread: LeftUnread?
    private let done = DispatchSemaphore(value: 0)

    init(source: any ByteSource, start: Start, configuration: Configuration, channel: BatchChannel<RawBatch>) {
        self.source = source
        self.start = start
        self.configuration = configuration
        self.channel = channel
    }

    /// Starts the reader thread.
    func run() {
        let thread = Thread { [self] in
            do {
                try readAll()
            } catch {
                failure = error
            }
            channel.close()
            done.signal()
        }
        thread.name = "sluice.reader"
        thread.start()
    }

    /// Waits for the thread to end (it ends once the input ends or the channel is cancelled) and
    /// rethrows its read error, if any.
    func finish() async throws {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { [done] in
                done.wait()
                continuation.resume()
            }
        }
        if let failure { throw failure }
    }

    private func readAll() throws {
        var offset = start.position.offset
        var lineNumber = start.position.line
        if offset > 0 && !start.positioned && !source.seek(to: offset) {
            try discard(bytes: offset)
        }
        let window = SourceFingerprint.window
        var head = Array(start.head.prefix(window))
        // 64 KiB of history: a batch flushed by time while a long partial line is pending still
        // finds the 4 KiB before its end. (Longer pending lines leave that batch unfingerprinted.)
        var recent = RecentBytes(capacity: 64 << 10, endingAt: offset, initial: start.before)
        var batcher = Batcher(limits: configuration.limits)
        var sequence = 0
        var batch = RawBatch(sequence: sequence, startOffset: offset)
        var current: [UInt8] = []
        var currentDropped: Int64 = 0
        var currentStart = offset
        var atStart = offset == 0
        var skipTerminator = start.previousLineUnterminated
        var chunk = [UInt8](repeating: 0, count: configuration.readChunkBytes)
        // The chunk being split: stream bytes [recent.end, recent.end + chunkLength).
        var chunkLength = 0

        /// The fingerprint of the stream's first `end` bytes, from `head`, `recent` and the chunk.
        func fingerprint(at end: Int64) -> [UInt8] {
            let size = min(window, Int(clamping: end))
            let from = end - Int64(size)
            guard head.count >= size, from >= recent.startOffset, end <= recent.end + Int64(chunkLength) else { return [] }
            var tail: [UInt8] = []
            tail.reserveCapacity(size)
            if from < recent.end { recent.copy(from: from, to: min(end, recent.end), into: &tail) }
            if end > recent.end {
                let lower = Int(max(from, recent.end) - recent.end)
                let upper = Int(end - recent.end)
                tail.append(contentsOf: chunk[lower..<upper])
            }
            return SourceFingerprint.compute(offset: end, head: head[0..<size], tail: tail)
        }

        func flush() -> Bool {
            guard !batch.lines.isEmpty else { return true }
            var full = batch
            full.endFingerprint = fingerprint(at: full.endOffset)
            sequence += 1
            batch = RawBatch(sequence: sequence, startOffset: full.endOffset)
            return channel.send(full)
        }

        func endLine(terminatorLength: Int64, now: ContinuousClock.Instant) -> Bool {
            var length = current.count
            var terminator = terminatorLength
            if terminatorLength > 0, length > 0, current[length - 1] == 0x0D, currentDropped == 0 {
                length -= 1
                terminator += 1
            }
            lineNumber += 1
            batch.lines.append(RawBatch.Line(
                start: batch.bytes.count, length: length, number: lineNumber, offset: currentStart,
                droppedBytes: currentDropped
            ))
            batch.bytes.append(contentsOf: current[0..<length])
            let lineEnd = currentStart + Int64(length) + currentDropped + terminator
            batch.endOffset = lineEnd
            current.removeAll(keepingCapacity: current.capacity <= (1 << 20))
            currentDropped = 0
            currentStart = lineEnd
            switch batcher.lineAdded(byteCount: length, now: now) {
            case .flush, .flushAndFinish: return flush()
            case .none: return true
            }
        }

        while true {
            let timeout = batcher.pollTimeout(now: .now)
            if timeout != nil, !source.waitReadable(timeout: timeout) {
                if batcher.tick(now: .now) == .flush, !flush() { return }
                continue
            }
            let count = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { break }
            chunkLength = count
            if head.count < window {
                head.append(contentsOf: chunk[0..<min(count, window - head.count)])
            }
            var index = 0
            if atStart {
                atStart = false
                if count >= 3 && chunk[0] == 0xEF && chunk[1] == 0xBB && chunk[2] == 0xBF {
                    index = 3
                    offset += 3
                    // The BOM stays inside the first batch's range: checkpoints chain from 0.
                    currentStart = 3
                }
            }
            if skipTerminator {
                skipTerminator = false
                let terminator = chunk[0] == 0x0A ? 1 : (count >= 2 && chunk[0] == 0x0D && chunk[1] == 0x0A ? 2 : 0)
                index = terminator
                offset += Int64(terminator)
                currentStart += Int64(terminator)
            }
            let now = ContinuousClock.now
            while index < count {
                let newline = chunk.withUnsafeBytes { bytes -> Int? in
                    guard let base = bytes.baseAddress,
                          let found = memchr(base + index, 0x0A, count - index) else { return nil }
                    return UnsafeRawPointer(found) - base
                }
                let end = newline ?? count
                let room = configuration.maxKeptLineBytes - current.count
                let take = min(end - index, max(room, 0))
                if take > 0 { current.append(contentsOf: chunk[index..<(index + take)]) }
                currentDropped += Int64(end - index - take)
                offset += Int64(end - index)
                index = end
                if newline != nil {
                    index += 1
                    offset += 1
                    if !endLine(terminatorLength: 1, now: now) { return }
                }
            }
            chunk.withUnsafeBytes { recent.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            chunkLength = 0
        }
        if !current.isEmpty || currentDropped > 0 {
            if configuration.lastLineIsFinal || (currentDropped == 0 && JSONCompleteness.closesTopLevelValue(current)) {
                if !endLine(terminatorLength: 0, now: .now) { return }
            } else {
                leftUnread = LeftUnread(line: lineNumber + 1, offset: currentStart, bytes: Int64(current.count) + currentDropped)
            }
        }
        _ = batcher.endOfInput()
        _ = flush()
    }

    private func discard(bytes: Int64) throws {
        var remaining = bytes
        var chunk = [UInt8](repeating: 0, count: configuration.readChunkBytes)
        while remaining > 0 {
            let count = try chunk.withUnsafeMutableBytes { buffer in
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(min(Int64(buffer.count), remaining))]))
            }
            if count == 0 {
                throw InputError(description: "the checkpoint is at byte \(bytes) but the input ends at byte \(bytes - remaining); use --restart to load it from the beginning")
            }
            remaining -= Int64(count)
        }
    }
}
