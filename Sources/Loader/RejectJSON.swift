import EventContracts
import Foundation

/// One reject as `sluice rejects list|show --json` print it. Every key is always present (`null`
/// when it does not apply), so scripts can rely on the shape:
///
/// `id, tenant, contract, source, batch, line, byte_offset, position, received_at, replayed_at,
/// discarded_at, discarded_by, discard_reason, reasons: [{field, message}]`, and with the raw
/// bytes (`show`): `raw_bytes, raw_base64, raw_text` (the bytes as text when they are valid UTF-8,
/// else null).
///
/// `line` and `byte_offset` are a file's or stream's; a queue message has `position` instead —
/// `{queue: "redis", entry: "<ms>-<seq>", partition: null, offset: null}` or `{queue: "kafka",
/// entry: null, partition, offset}` — and null `line` and `byte_offset`. Times are ISO 8601 UTC.
public struct RejectJSON: Encodable, Sendable {
    public struct Position: Encodable, Sendable, Equatable {
        public var queue: String
        public var entry: String?
        public var partition: Int64?
        public var offset: Int64?

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(queue, forKey: .queue)
            try container.encode(entry, forKey: .entry)
            try container.encode(partition, forKey: .partition)
            try container.encode(offset, forKey: .offset)
        }

        enum CodingKeys: String, CodingKey { case queue, entry, partition, offset }
    }

    public struct Reason: Codable, Sendable, Equatable {
        public var field: String
        public var message: String
    }

    public var id: Int64
    public var tenant: String
    public var contract: String
    public var source: String
    public var batch: String
    public var line: Int64?
    public var byteOffset: Int64?
    public var position: Position?
    public var receivedAt: String
    public var replayedAt: String?
    public var discardedAt: String?
    public var discardedBy: String?
    public var discardReason: String?
    public var reasons: [Reason]
    /// Only with the raw bytes (`show`).
    public var raw: [UInt8]?

    /// - Parameter withRaw: include `raw_bytes`, `raw_base64` and `raw_text` (the reject must
    ///   hold its full bytes, as `RejectStore.show` returns them).
    public init(_ reject: RejectStore.Reject, withRaw: Bool) {
        id = reject.id
        tenant = reject.tenant
        contract = reject.contract
        source = reject.source
        batch = reject.batchID
        position = Self.position(of: reject)
        line = position == nil ? reject.lineNumber : nil
        byteOffset = position == nil ? reject.byteOffset : nil
        receivedAt = reject.receivedAt.description
        replayedAt = reject.replayedAt?.description
        discardedAt = reject.discardedAt?.description
        discardedBy = reject.discardedBy
        discardReason = reject.discardReason
        reasons = Self.reasons(reject.errorsJSON)
        raw = withRaw ? reject.raw : nil
    }

    /// Where a queue message sat, as its queue names it (`QueueMessageRef.deadLetterPosition`); nil
    /// for files and streams.
    static func position(of reject: RejectStore.Reject) -> Position? {
        if reject.source.hasPrefix("redis:") {
            return Position(queue: "redis", entry: RedisStreamID(packed: reject.lineNumber).text)
        }
        if reject.source.hasPrefix("kafka:") {
            return Position(queue: "kafka", partition: reject.byteOffset >> QueueMessageRef.partitionShift, offset: reject.lineNumber)
        }
        return nil
    }

    /// The stored `[{field, message}]`; anything else (a row written by hand) as one reason.
    static func reasons(_ json: String) -> [Reason] {
        if let parsed = try? JSONDecoder().decode([Reason].self, from: Data(json.utf8)) { return parsed }
        return [Reason(field: "", message: json)]
    }

    enum CodingKeys: String, CodingKey {
        case id, tenant, contract, source, batch, line, position, reasons
        case byteOffset = "byte_offset", receivedAt = "received_at", replayedAt = "replayed_at"
        case discardedAt = "discarded_at", discardedBy = "discarded_by", discardReason = "discard_reason"
        case rawBytes = "raw_bytes", rawBase64 = "raw_base64", rawText = "raw_text"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(tenant, forKey: .tenant)
        try container.encode(contract, forKey: .contract)
        try container.encode(source, forKey: .source)
        try container.encode(batch, forKey: .batch)
        try container.encode(line, forKey: .line)
        try container.encode(byteOffset, forKey: .byteOffset)
        try container.encode(position, forKey: .position)
        try container.encode(receivedAt, forKey: .receivedAt)
        try container.encode(replayedAt, forKey: .replayedAt)
        try container.encode(discardedAt, forKey: .discardedAt)
        try container.encode(discardedBy, forKey: .discardedBy)
        try container.encode(discardReason, forKey: .discardReason)
        try container.encode(reasons, forKey: .reasons)
        if let raw {
            try container.encode(raw.count, forKey: .rawBytes)
            try container.encode(Data(raw).base64EncodedString(), forKey: .rawBase64)
            try container.encode(String(validating: raw, as: UTF8.self), forKey: .rawText)
        }
    }
}
