/// The five producer contracts Sluice accepts (DESIGN.md), named as on the command line.
public enum Contract: String, Sendable, CaseIterable, Hashable {
    /// Seed 003 IngestEnvelope (`type`, `data`, `occurred_at`, …); the default.
    case pocm
    /// Seed 000 partner API: `{"event_type": …, "payload": {…}}`.
    case ingestionAPI = "ingestion-api"
    /// Seed 001 GrowthOS event object (and product ingestion).
    case growthos
    /// Seed 002 platform events: common properties plus `event_name`.
    case platform
    /// Seed 004 recommendations events (`eventType`, `metadata.schemaVersion`).
    case recs
}

/// One event normalized into the canonical row of the `events` table (seed 003 §5.1 plus what the
/// loader needs). Every contract maps into this shape; see docs/contracts.md for the mappings.
public struct CanonicalEvent: Sendable, Equatable {
    /// Event type (≤ 64 characters), e.g. `cart`, `ticket_purchased`, `view`.
    public var type: String
    /// When the event happened: microseconds since the Unix epoch, UTC.
    public var occurredAt: Int64
    /// Producing system, when the contract carries one.
    public var producer: String?
    /// Producing service, when the contract carries one.
    public var sourceService: String?
    /// The user the event is about (≤ 255 characters).
    public var userId: String?
    /// Order / transaction id, when the contract carries one.
    public var orderId: String?
    /// Session id (recs: `anonId`).
    public var sessionId: String?
    /// Distributed trace id (pocm only).
    public var traceId: String?
    /// Deduplication key within the tenant (pocm `idempotency_key`, other contracts their event id).
    public var idempotencyKey: String?
    /// Tenant, from the source (CLI flag / API key), never from the event.
    public var tenantId: String
    /// Contract name, e.g. `pocm`.
    public var contract: String
    /// Schema version that validated the event.
    public var schemaVersion: Int
    /// The JSON object to store in `data_json` after privacy rules: valid UTF-8, no `\u0000`.
    public var payload: [UInt8]
    /// Markers for downstream views, e.g. `opted_out`, `product_ingestion`, `pii_hashed`.
    public var flags: [String]

    /// Creates a canonical event (normally only the registry does this). Inlined, so the
    /// verdict is built in place: out of line, the optimizer copied (retained) and destroyed the
    /// whole event once more per line.
    @inline(__always)
    public init(type: String, occurredAt: Int64, producer: String?, sourceService: String?, userId: String?, orderId: String?,
                sessionId: String?, traceId: String?, idempotencyKey: String?, tenantId: String, contract: String,
                schemaVersion: Int, payload: [UInt8], flags: [String]) {
        self.type = type
        self.occurredAt = occurredAt
        self.producer = producer
        self.sourceService = sourceService
        self.userId = userId
        self.orderId = orderId
        self.sessionId = sessionId
        self.traceId = traceId
        self.idempotencyKey = idempotencyKey
        self.tenantId = tenantId
        self.contract = contract
        self.schemaVersion = schemaVersion
        self.payload = payload
        self.flags = flags
    }
}

/// Which valid event was dropped by policy, so the loader can count it ("nothing lost").
public struct DroppedEvent: Sendable, Equatable {
    /// Contract name.
    public var contract: String
    /// Event type.
    public var type: String
    /// The user id sampling / opt-out was decided on, if any.
    public var userId: String?
}

/// The outcome of processing one input line. Every line gets exactly one.
public enum Verdict: Sendable, Equatable {
    /// Valid; here is the row to load.
    case accepted(CanonicalEvent)
    /// Invalid; every problem found (capped), each with a JSON Pointer into the line.
    case rejected([FieldError])
    /// Valid, but not kept by the sampling policy for its (contract, type). Count it.
    case sampledOut(DroppedEvent)
    /// Valid, but the user opted out of personalization and the policy says drop. Count it.
    case optedOut(DroppedEvent)
}
