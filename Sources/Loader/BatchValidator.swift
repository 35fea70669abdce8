import EventContracts
import Foundation
import Postgres

/// A batch after validation: every line is accepted, rejected (with reasons) or dropped by policy.
public struct ValidatedBatch: Sendable {
    public struct Rejection: Sendable {
        public var lineIndex: Int
        public var errors: [FieldError]
    }

    public var raw: RawBatch
    /// Accepted events and the index of their line in `raw.lines`.
    public var accepted: [(lineIndex: Int, event: CanonicalEvent)]
    public var rejected: [Rejection]
    /// Lines of valid events the sampling or opt-out policy dropped (counted, never silently lost).
    public var droppedLines: [Int]

    public var droppedByPolicy: Int { droppedLines.count }

    /// The same batch without the lines at `indices` (queue messages already committed elsewhere).
    func removingLines(_ indices: Set<Int>) -> ValidatedBatch {
        var result = self
        result.accepted = accepted.filter { !indices.contains($0.lineIndex) }
        result.rejected = rejected.filter { !indices.contains($0.lineIndex) }
        result.droppedLines = droppedLines.filter { !indices.contains($0) }
        return result
    }

    /// Lines `[0, index)` and `[index, count)` as two batches (see ``RawBatch/split(at:)``).
    func split(at index: Int) -> (ValidatedBatch, ValidatedBatch) {
        let (firstRaw, secondRaw) = raw.split(at: index)
        var first = ValidatedBatch(raw: firstRaw, accepted: [], rejected: [], droppedLines: [])
        var second = ValidatedBatch(raw: secondRaw, accepted: [], rejected: [], droppedLines: [])
        for item in accepted {
            if item.lineIndex < index { first.accepted.append(item) } else { second.accepted.append((item.lineIndex - index, item.event)) }
        }
        for rejection in rejected {
            if rejection.lineIndex < index {
                first.rejected.append(rejection)
            } else {
                second.rejected.append(.init(lineIndex: rejection.lineIndex - index, errors: rejection.errors))
            }
        }
        for line in droppedLines {
            if line < index { first.droppedLines.append(line) } else { second.droppedLines.append(line - index) }
        }
        return (first, second)
    }
}

/// Validates and normalizes a raw batch on all cores.
public struct BatchValidator: Sendable {
    public let registry: EventContractRegistry
    public let contract: Contract
    public let context: NormalizationContext
    /// Events older than this (µs since the epoch) are rejected: retention would drop them at once.
    public let oldestAcceptedOccurredAt: Int64

    public init(registry: EventContractRegistry, contract: Contract, context: NormalizationContext, oldestAcceptedOccurredAt: Int64) {
        self.registry = registry
        self.contract = contract
        self.context = context
        self.oldestAcceptedOccurredAt = oldestAcceptedOccurredAt
    }

    /// The JSON Pointer of the occurrence time in each contract's wire format (for window errors).
    var occurredAtField: String {
        switch contract {
        case .pocm: "/occurred_at"
        case .ingestionAPI, .growthos, .platform, .recs: "/timestamp"
        }
    }

    public func validate(_ batch: RawBatch) async -> ValidatedBatch {
        var context = self.context
        context.receivedAt = NormalizationContext.nowMicroseconds()
        let lineCount = batch.lines.count
        let chunkCount = max(1, min(ProcessInfo.processInfo.activeProcessorCount * 2, lineCount / 256))
        let chunkSize = (lineCount + chunkCount - 1) / max(chunkCount, 1)
        let frozenContext = context
        let parts = await withTaskGroup(of: (Int, ValidatedBatch).self) { group in
            for chunk in 0..<chunkCount {
                let range = (chunk * chunkSize)..<min(lineCount, (chunk + 1) * chunkSize)
                guard !range.isEmpty else { continue }
                group.addTask { (chunk, self.validate(batch, lines: range, context: frozenContext)) }
            }
            var parts: [(Int, ValidatedBatch)] = []
            for await part in group { parts.append(part) }
            return parts.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var result = ValidatedBatch(raw: batch, accepted: [], rejected: [], droppedLines: [])
        result.accepted.reserveCapacity(lineCount)
        for part in parts {
            result.accepted.append(contentsOf: part.accepted)
            result.rejected.append(contentsOf: part.rejected)
            result.droppedLines.append(contentsOf: part.droppedLines)
        }
        return result
    }

    private func validate(_ batch: RawBatch, lines: Range<Int>, context: NormalizationContext) -> ValidatedBatch {
        var part = ValidatedBatch(raw: RawBatch(sequence: batch.sequence, startOffset: 0), accepted: [], rejected: [], droppedLines: [])
        part.accepted.reserveCapacity(lines.count)
        // This task's lines in an array of its own (one bulk copy): accepted events share it
        // rather than each allocating and copying its columns, and tasks on other cores do not
        // contend for one reference count.
        let first = batch.lines[lines.lowerBound].start
        let last = batch.lines[lines.upperBound - 1]
        let bytes = Array(batch.bytes[first..<(last.start + last.length)])
        for index in lines {
            let line = batch.lines[index]
            if line.droppedBytes > 0 {
                let total = Int64(line.length) + line.droppedBytes
                part.rejected.append(.init(lineIndex: index, errors: [FieldError(
                    field: "", message: "line of \(total) bytes exceeds the \(context.limits.maxLineBytes)-byte limit (its first \(line.length) bytes are kept here)")]))
                continue
            }
            let start = line.start - first
            let verdict = registry.process(line: start..<(start + line.length), in: bytes, contract: contract, context: context)
            switch verdict {
            case .accepted(let event):
                if event.occurredAt < oldestAcceptedOccurredAt {
                    part.rejected.append(.init(lineIndex: index, errors: [FieldError(
                        field: occurredAtField,
                        message: "occurred at \(Self.iso8601(event.occurredAt)), before the accepted window starting \(Self.iso8601(oldestAcceptedOccurredAt)) (the longest retention policy); retention would delete it")]))
                } else {
                    part.accepted.append((index, event))
                }
            case .rejected(let errors):
                part.rejected.append(.init(lineIndex: index, errors: errors))
            case .sampledOut, .optedOut:
                part.droppedLines.append(index)
            }
        }
        return part
    }

    /// ISO 8601 in the proleptic Gregorian calendar, so year 1 reads as sent (Foundation's calendar
    /// switches to Julian before 1582 and would name another day).
    static func iso8601(_ microseconds: Int64) -> String {
        PostgresTimestamp(microsecondsSinceUnixEpoch: microseconds).description
    }
}
