import Foundation

/// Reads one input (file, `.gz` file or stdin) on its own thread, splits it into lines and hands
/// batches to the writers through a bounded channel. Memory stays flat whatever the input size:
/// one read buffer, the open batch, and `channel.capacity` waiting batches.
///
/// Line rules: `\n` ends a line and `\r\n` too (the `\r` is part of the terminator); a UTF-8 BOM
/// at the very start is skipped; a last line without a newline is still a line; a line longer than
/// `maxKeptLineBytes` keeps its first bytes and records how many it dropped (it will be rejected).
final class LineReader: @unchecked Sendable {
    // @unchecked Sendable: all mutable state is touched only by the reader thread after `start`.
    struct Configuration {
        var limits: Batcher.Limits
        var maxKeptLineBytes = 16 << 20
        var readChunkBytes = 1 << 20
    }

    /// Where reading starts (a checkpoint) and what it reached.
    struct Position: Sendable, Equatable {
        var offset: Int64
        var line: Int64
    }

    private let source: any ByteSource
    private let configuration: Configuration
    private let channel: BatchChannel<RawBatch>
    private let start: Position
    private var failure: Error?
    private let done = DispatchSemaphore(value: 0)

    init(source: any ByteSource, start: Position, configuration: Configuration, channel: BatchChannel<RawBatch>) {
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

    /// Waits for the thread to end (it ends once the channel is closed or cancelled) and rethrows
    /// its read error, if any.
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
        var offset = start.offset
        var lineNumber = start.line
        if offset > 0 && !source.seek(to: offset) {
            try discard(bytes: offset)
        }
        var batcher = Batcher(limits: configuration.limits)
        var sequence = 0
        var batch = RawBatch(sequence: sequence, startOffset: offset)
        var current: [UInt8] = []
        var currentDropped: Int64 = 0
        var currentStart = offset
        var atStart = offset == 0
        var chunk = [UInt8](repeating: 0, count: configuration.readChunkBytes)

        func flush() -> Bool {
            guard !batch.lines.isEmpty else { return true }
            let full = batch
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
        }
        if !current.isEmpty || currentDropped > 0 {
            if !endLine(terminatorLength: 0, now: .now) { return }
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
