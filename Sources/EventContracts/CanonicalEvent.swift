/// The five producer contracts Sluice accepts (docs/contracts.md), named as on the command line.
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
///
/// The text columns and the payload are byte ranges of **one** buffer: either the event's own
/// (one allocation per event, however many columns are set), or — when the line was given in a
/// shared byte array (``EventContractRegistry/process(line:in:contract:context:)``) and its
/// columns are its bytes as written — that array itself, shared rather than copied: no allocation
/// and no copy at all. Such an event keeps the whole array alive. The `String` properties are made
/// on access. Code that only copies a column somewhere (the loader's binary COPY) reads its bytes
/// with ``withBytes(_:_:)`` and makes no `String` at all.
public struct CanonicalEvent: Sendable, Equatable {
    /// The columns kept in the event's buffer, in buffer order.
    public enum Column: Int, Sendable, CaseIterable {
        case type, producer, sourceService, userId, orderId, sessionId, traceId, idempotencyKey, payload
    }

    // Stored fields are laid out to keep the event within 128 bytes (and a `Verdict` with it):
    // a value that size is moved with a few vector moves, a larger one with a call to memcpy —
    // which cost ~3% of the validator when the event was 152 bytes.

    /// Where each text column is in `storage`: lanes 0..<8 its start, lanes 8..<16 its end.
    private var textSpans: SIMD16<Int32>
    /// The bytes every ``Column`` is a range of (UTF-8 text; the payload's JSON bytes).
    private var storage: [UInt8]
    /// Where the payload is in `storage`.
    private var payloadStart: Int32
    private var payloadEnd: Int32
    private var version: Int32
    /// Bit per column that is present (nil columns take no bytes).
    private var present: UInt16
    private let contractCase: Contract

    /// When the event happened: microseconds since the Unix epoch, UTC.
    public var occurredAt: Int64
    /// Tenant, from the source (CLI flag / API key), never from the event.
    public var tenantId: String
    /// Markers for downstream views, e.g. `opted_out`, `product_ingestion`, `pii_hashed`.
    public var flags: [String]

    /// Contract name, e.g. `pocm`.
    public var contract: String { contractCase.rawValue }
    /// Schema version that validated the event.
    public var schemaVersion: Int { Int(version) }

    /// Event type (≤ 64 characters), e.g. `cart`, `ticket_purchased`, `view`.
    public var type: String { text(.type) ?? "" }
    /// Producing system, when the contract carries one.
    public var producer: String? { text(.producer) }
    /// Producing service, when the contract carries one.
    public var sourceService: String? { text(.sourceService) }
    /// The user the event is about (≤ 255 characters).
    public var userId: String? { text(.userId) }
    /// Order / transaction id, when the contract carries one.
    public var orderId: String? { text(.orderId) }
    /// Session id (recs: `anonId`).
    public var sessionId: String? { text(.sessionId) }
    /// Distributed trace id (pocm only).
    public var traceId: String? { text(.traceId) }
    /// Deduplication key within the tenant (pocm `idempotency_key`, other contracts their event id).
    public var idempotencyKey: String? { text(.idempotencyKey) }
    /// The JSON object to store in `data_json` after privacy rules: valid UTF-8, no `\u0000`.
    public var payload: [UInt8] { withBytes(.payload) { Array($0 ?? UnsafeBufferPointer(start: nil, count: 0)) } }

    /// Calls `body` with a column's bytes (nil when the column is absent), without copying them.
    @inline(__always)
    public func withBytes<R>(_ column: Column, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        let index = column.rawValue
        guard present & (1 << UInt16(index)) != 0 else { return try body(nil) }
        return try storage.withUnsafeBufferPointer { all in
            let range = index == Column.payload.rawValue ? Int(payloadStart)..<Int(payloadEnd)
                : Int(textSpans[index])..<Int(textSpans[index &+ 8])
            return try body(UnsafeBufferPointer(rebasing: all[range]))
        }
    }

    private func text(_ column: Column) -> String? {
        withBytes(column) { bytes in bytes.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// Creates a canonical event (normally only the registry does this).
    public init(type: String, occurredAt: Int64, producer: String?, sourceService: String?, userId: String?, orderId: String?,
                sessionId: String?, traceId: String?, idempotencyKey: String?, tenantId: String, contract: Contract,
                schemaVersion: Int, payload: [UInt8], flags: [String]) {
        let texts = [type, producer, sourceService, userId, orderId, sessionId, traceId, idempotencyKey]
        var builder = Builder(capacity: texts.reduce(payload.count) { $0 + ($1?.utf8.count ?? 0) })
        for text in texts {
            if var text { text.withUTF8 { builder.append($0) } } else { builder.skip() }
        }
        payload.withUnsafeBufferPointer { builder.append($0) }
        self.init(builder, occurredAt: occurredAt, tenantId: tenantId, contract: contract, schemaVersion: schemaVersion, flags: flags)
    }

    init(_ builder: consuming Builder, occurredAt: Int64, tenantId: String, contract: Contract, schemaVersion: Int, flags: [String]) {
        storage = builder.storage
        // Built back to back: each column starts where the previous one ends.
        let ends = builder.ends
        textSpans = SIMD16(0, ends[0], ends[1], ends[2], ends[3], ends[4], ends[5], ends[6],
                           ends[0], ends[1], ends[2], ends[3], ends[4], ends[5], ends[6], ends[7])
        payloadStart = ends[7]
        payloadEnd = ends[8]
        present = builder.present
        self.occurredAt = occurredAt
        self.tenantId = tenantId
        contractCase = contract
        version = Int32(schemaVersion)
        self.flags = flags
    }

    /// An event whose columns are ranges of `bytes` (shared, not copied): `textSpans` as the
    /// stored property, the payload at `payload`, `present` a bit per ``Column``.
    init(sharing bytes: [UInt8], textSpans: SIMD16<Int32>, payload: Range<Int32>, present: UInt16, occurredAt: Int64, tenantId: String,
         contract: Contract, schemaVersion: Int, flags: [String]) {
        storage = bytes
        self.textSpans = textSpans
        payloadStart = payload.lowerBound
        payloadEnd = payload.upperBound
        self.present = present
        self.occurredAt = occurredAt
        self.tenantId = tenantId
        contractCase = contract
        version = Int32(schemaVersion)
        self.flags = flags
    }

    /// Equal when every public field is: the same columns, whichever buffer holds them.
    public static func == (lhs: CanonicalEvent, rhs: CanonicalEvent) -> Bool {
        guard lhs.occurredAt == rhs.occurredAt, lhs.tenantId == rhs.tenantId, lhs.contractCase == rhs.contractCase,
              lhs.schemaVersion == rhs.schemaVersion, lhs.flags == rhs.flags else { return false }
        return Column.allCases.allSatisfy { column in
            lhs.withBytes(column) { left in
                rhs.withBytes(column) { right in
                    switch (left, right) {
                    case (nil, nil): true
                    case let (left?, right?): left.elementsEqual(right)
                    default: false
                    }
                }
            }
        }
    }

    /// Appends the columns in ``Column`` order into one buffer reserved up front.
    struct Builder: ~Copyable {
        fileprivate var storage: [UInt8] = []
        fileprivate var ends = SIMD16<Int32>()
        fileprivate var present: UInt16 = 0
        private var next = 0

        init(capacity: Int) { storage.reserveCapacity(capacity) }

        /// The next column is absent.
        mutating func skip() {
            ends[next] = Int32(storage.count)
            next &+= 1
        }

        /// The next column's bytes.
        mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
            storage.append(contentsOf: bytes)
            present |= 1 << UInt16(next)
            ends[next] = Int32(storage.count)
            next &+= 1
        }

        /// Adds bytes to the column being built by ``appendPiece(_:)``/``endPiecewise()``.
        mutating func appendPiece(_ bytes: UnsafeBufferPointer<UInt8>) { storage.append(contentsOf: bytes) }
        mutating func appendPiece(_ write: (inout [UInt8]) -> Void) { write(&storage) }

        /// Ends a column written with ``appendPiece(_:)``.
        mutating func endPiecewise() {
            present |= 1 << UInt16(next)
            ends[next] = Int32(storage.count)
            next &+= 1
        }
    }
}

extension CanonicalEvent: CustomReflectable {
    /// The public fields (as they read), not the buffer: what tests and debug output should show.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "type": type, "occurredAt": occurredAt, "producer": producer as Any, "sourceService": sourceService as Any,
            "userId": userId as Any, "orderId": orderId as Any, "sessionId": sessionId as Any, "traceId": traceId as Any,
            "idempotencyKey": idempotencyKey as Any, "tenantId": tenantId, "contract": contract, "schemaVersion": schemaVersion,
            "payload": String(decoding: payload, as: UTF8.self), "flags": flags,
        ], displayStyle: .struct)
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
