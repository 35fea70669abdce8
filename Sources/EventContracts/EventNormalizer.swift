/// Where a contract keeps each canonical column, as token indices into one parsed line.
struct CanonicalFields {
    var type = ""
    var schemaVersion = 1
    var occurredAt: Int?
    var producer: Int?
    var sourceService: Int?
    var userId: Int?
    /// Used when `userId` is absent (growthos `profileId`).
    var userIdFallback: Int?
    var orderId: Int?
    var sessionId: Int?
    var traceId: Int?
    var idempotencyKey: Int?
    var tenant: Int?
    var payload = 0
    /// True when the schema walk of the payload proved the privacy rewrite would change nothing
    /// (``SchemaWalker/privacyClean``).
    var payloadPrivacyClean = false
    var flags: [String] = []
}

/// Validates one parsed line against its contract and maps it to a ``CanonicalEvent``. One per line.
struct EventNormalizer {
    // The context is passed to `run`/`finish` rather than stored: storing would copy (and
    // retain) every policy collection once per event.
    let view: JSONView
    let contract: Contract
    var walker: SchemaWalker

    init(view: JSONView, store: SchemaStore, contract: Contract, errorCap: Int, privacy: CompiledPrivacy) {
        self.view = view
        self.contract = contract
        walker = SchemaWalker(view: view, store: store, errorCap: max(1, errorCap), privacy: privacy)
    }

    mutating func run(_ compiledContract: CompiledContract?, context: NormalizationContext) -> Verdict {
        guard let compiled = compiledContract else {
            return .rejected([FieldError(field: "", message: "contract \(contract.rawValue) has no schemas")])
        }
        let mapped: CanonicalFields?
        switch contract {
        case .pocm: mapped = mapPOCM(compiled)
        case .ingestionAPI: mapped = mapIngestionAPI(compiled)
        case .growthos: mapped = mapGrowthOS(compiled)
        case .platform: mapped = mapPlatform(compiled)
        case .recs: mapped = mapRecs(compiled)
        }
        guard let fields = mapped, walker.sink.isEmpty else { return .rejected(walker.sink.resolve(in: view)) }
        return finish(fields, context: context)
    }

    // MARK: - Contracts

    /// Seed 003 IngestEnvelope: envelope schema on the line, payload schema on `data`.
    private mutating func mapPOCM(_ compiled: CompiledContract) -> CanonicalFields? {
        var fields = CanonicalFields()
        let top = compiled.topLevel.find(in: view, object: 0)
        typealias Name = POCMNames
        let version = readVersion(top.token(Name.schemaVersion))
        if let envelope = compiled.envelope.first?.node { walker.check(node: envelope, token: 0) }
        guard let version, let typeToken = top.token(Name.type), view[typeToken].kind == .string,
              let typeIndex = view.withString(typeToken, { compiled.type(named: $0) }) else { return nil }
        let type = compiled.types[typeIndex]
        guard let node = versionNode(type, version, versionToken: top.token(Name.schemaVersion) ?? typeToken) else { return nil }
        guard let data = top.token(Name.data), view[data].kind == .object else { return nil }
        fields.payloadPrivacyClean = checkPayload(node, token: data)
        fields.type = type.nameString
        fields.schemaVersion = version
        fields.occurredAt = top.token(Name.occurredAt)
        fields.producer = top.token(Name.producer)
        fields.sourceService = top.token(Name.sourceService)
        fields.userId = top.token(Name.userId)
        fields.orderId = top.token(Name.orderId)
        fields.sessionId = top.token(Name.sessionId)
        fields.traceId = top.token(Name.traceId)
        fields.idempotencyKey = top.token(Name.idempotencyKey)
        fields.tenant = top.token(Name.tenant)
        fields.payload = data
        return fields
    }

    /// Seed 000: `{event_type, payload}` plus optional envelope fields. Occurrence time: envelope
    /// `timestamp`, else the type's own timestamp field, else arrival time.
    private mutating func mapIngestionAPI(_ compiled: CompiledContract) -> CanonicalFields? {
        var fields = CanonicalFields()
        let top = compiled.topLevel.find(in: view, object: 0)
        typealias Name = IngestionAPINames
        if let envelope = compiled.envelope.first?.node { walker.check(node: envelope, token: 0) }
        let envelopeVersionToken = top.token(Name.schemaVersion)
        guard let typeToken = top.token(Name.eventType), view[typeToken].kind == .string,
              let typeIndex = view.withString(typeToken, { compiled.type(named: $0) }),
              let payload = top.token(Name.payload), view[payload].kind == .object else { return nil }
        let inner = compiled.payloadNames.find(in: view, object: payload)
        typealias PayloadName = IngestionAPIPayloadNames
        let payloadVersionToken = inner.token(PayloadName.schemaVersion)
        guard let envelopeVersion = readVersion(envelopeVersionToken), let payloadVersion = readVersion(payloadVersionToken) else { return nil }
        if envelopeVersionToken != nil, let payloadVersionToken, envelopeVersion != payloadVersion {
            walker.sink.add(payloadVersionToken, "differs from the envelope schema_version \(envelopeVersion)")
            return nil
        }
        let version = envelopeVersionToken != nil ? envelopeVersion : payloadVersion
        let type = compiled.types[typeIndex]
        guard let node = versionNode(type, version, versionToken: envelopeVersionToken ?? payloadVersionToken ?? typeToken) else { return nil }
        fields.payloadPrivacyClean = checkPayload(node, token: payload)
        fields.type = type.nameString
        fields.schemaVersion = version
        fields.occurredAt = top.token(Name.timestamp) ?? {
            switch type.nameString {
            case "sales_transaction": return inner.token(PayloadName.transactionAt)
            case "user_engagement": return inner.token(PayloadName.engagementAt)
            case "event_attendance": return inner.token(PayloadName.recordedAt)
            case "user_profile_update": return inner.token(PayloadName.lastSeenAt)
            default: return nil
            }
        }()
        fields.producer = top.token(Name.producer)
        fields.sourceService = top.token(Name.sourceService)
        fields.userId = inner.token(PayloadName.userId)
        if type.nameString == "sales_transaction" {
            fields.orderId = inner.token(PayloadName.transactionId)
        }
        fields.idempotencyKey = top.token(Name.eventId) ?? fields.orderId
        fields.tenant = top.token(Name.tenant)
        fields.payload = payload
        return fields
    }

    /// Seed 001: one event-object schema; `productId` makes it product ingestion.
    private mutating func mapGrowthOS(_ compiled: CompiledContract) -> CanonicalFields? {
        var fields = CanonicalFields()
        let top = compiled.topLevel.find(in: view, object: 0)
        typealias Name = GrowthOSNames
        let versionToken = top.token(Name.schemaVersion)
        guard let version = readVersion(versionToken), let event = compiled.types.first,
              let node = versionNode(event, version, versionToken: versionToken ?? 0) else { return nil }
        fields.payloadPrivacyClean = checkPayload(node, token: 0)
        let productId = top.token(Name.productId)
        let eventName = top.token(Name.eventName)
        if let eventName, view[eventName].kind == .string {
            fields.type = view.string(eventName)
        } else if productId != nil {
            fields.type = "product_ingestion"
        } else {
            return nil
        }
        fields.schemaVersion = version
        fields.occurredAt = top.token(Name.timestamp)
        fields.userId = top.token(Name.userId)
        if productId != nil {
            // Product ingestion creates no (anonymous) profile: only an explicit userId is kept.
            fields.flags.append("product_ingestion")
        } else {
            fields.userIdFallback = top.token(Name.profileId)
        }
        fields.sessionId = top.token(Name.sessionId)
        fields.idempotencyKey = top.token(Name.eventId)
        fields.tenant = top.token(Name.tenant)
        fields.payload = 0
        return fields
    }

    /// Checks the payload at `token` against `node` (errors collected by the walker); true when
    /// the walk saw nothing the privacy rewrite would change (see ``SchemaWalker/privacyClean``).
    private mutating func checkPayload(_ node: Int32, token: Int) -> Bool {
        walker.startPrivacyTracking()
        walker.check(node: node, token: token)
        return walker.privacyClean
    }

    /// Seed 002: common properties + `event_name`; the acted-on platform event is `target_event_id`.
    private mutating func mapPlatform(_ compiled: CompiledContract) -> CanonicalFields? {
        var fields = CanonicalFields()
        let top = compiled.topLevel.find(in: view, object: 0)
        typealias Name = PlatformNames
        guard let type = eventType(compiled, token: top.token(Name.eventName), key: "event_name") else { return nil }
        let versionToken = top.token(Name.schemaVersion)
        guard let version = readVersion(versionToken),
              let node = versionNode(type, version, versionToken: versionToken ?? 0) else { return nil }
        fields.payloadPrivacyClean = checkPayload(node, token: 0)
        fields.type = type.nameString
        fields.schemaVersion = version
        fields.occurredAt = top.token(Name.timestamp)
        fields.userId = top.token(Name.userId)
        fields.sessionId = top.token(Name.sessionId)
        if type.nameString == "ticket_purchased" { fields.orderId = top.token(Name.ticketId) }
        fields.idempotencyKey = top.token(Name.eventId)
        fields.tenant = top.token(Name.tenant)
        fields.payload = 0
        return fields
    }

    /// Seed 004: `eventType`; `metadata.schemaVersion` picks the version; `anonId` is the session.
    private mutating func mapRecs(_ compiled: CompiledContract) -> CanonicalFields? {
        var fields = CanonicalFields()
        let top = compiled.topLevel.find(in: view, object: 0)
        typealias Name = RecsNames
        guard let type = eventType(compiled, token: top.token(Name.eventType), key: "eventType") else { return nil }
        let metadata = top.token(Name.metadata)
        let versionToken = metadata.flatMap { view[$0].kind == .object ? view.member($0, "schemaVersion") : nil }
        guard let version = readVersion(versionToken),
              let node = versionNode(type, version, versionToken: versionToken ?? 0) else { return nil }
        fields.payloadPrivacyClean = checkPayload(node, token: 0)
        fields.type = type.nameString
        fields.schemaVersion = version
        fields.occurredAt = top.token(Name.timestamp)
        fields.userId = top.token(Name.userId)
        fields.sessionId = top.token(Name.anonId)
        fields.orderId = top.token(Name.orderId)
        fields.idempotencyKey = top.token(Name.eventId)
        fields.tenant = top.token(Name.tenant)
        fields.payload = 0
        return fields
    }

    // MARK: - Shared steps

    /// The event type named by the string at top-level `key` (value `token`), or an error at that field.
    private mutating func eventType(_ compiled: CompiledContract, token: Int?, key: StaticString) -> CompiledEventType? {
        guard let token else {
            walker.sink.add(0, "required field is missing", missingField: "\(key)")
            // Without a type there is no schema to check: still name the other missing fields
            // every type requires, so the producer fixes them in one round.
            for name in compiled.commonRequired where view.member(0, named: name) == nil {
                walker.sink.add(0, "required field is missing", missingField: name)
            }
            return nil
        }
        guard view[token].kind == .string else {
            walker.sink.add(token, "expected string")
            return nil
        }
        guard let index = view.withString(token, { compiled.type(named: $0) }) else {
            let name = view.string(token)
            walker.sink.add(token, "unknown event type \(JSONText.quoted(name)) for contract \(contract.rawValue)")
            return nil
        }
        return compiled.types[index]
    }

    /// The declared schema version (default 1), or nil after recording an error.
    private mutating func readVersion(_ token: Int?) -> Int? {
        guard let token else { return 1 }
        guard view[token].kind == .number, view.isInteger(token) else {
            walker.sink.add(token, "schema version must be a positive integer")
            return nil
        }
        let value = view.double(token)
        guard value >= 1, value <= 1_000_000 else {
            walker.sink.add(token, "schema version must be a positive integer")
            return nil
        }
        return Int(value)
    }

    private mutating func versionNode(_ type: CompiledEventType, _ version: Int, versionToken: Int) -> Int32? {
        if let node = type.versions.first(where: { $0.version == version })?.node { return node }
        let known = type.versions.map { String($0.version) }.sorted().joined(separator: ", ")
        walker.sink.add(versionToken, "unknown schema version \(version) for \(contract.rawValue) \(type.nameString) (known: \(known))")
        return nil
    }

    /// A canonical column's text: strings decoded, integer ids as written, absent/null → nil.
    private func text(_ token: Int?) -> String? {
        guard let token else { return nil }
        switch view[token].kind {
        case .string: return view.string(token)
        case .number: return String(decoding: view.rawValue(token), as: UTF8.self)
        case .object, .array, .trueLiteral, .falseLiteral, .null: return nil
        }
    }

    private mutating func finish(_ fields: CanonicalFields, context: NormalizationContext) -> Verdict {
        var occurredAt = context.receivedAt
        if let token = fields.occurredAt, view[token].kind == .string {
            let checked = walker.lastDateTime
            guard let parsed = checked.token == Int32(token) ? checked.micros : view.withString(token, Timestamp.parseMicroseconds) else {
                walker.sink.add(token, "expected \(StringFormat.dateTime.expectation)")
                return .rejected(walker.sink.resolve(in: view))
            }
            occurredAt = parsed
            if occurredAt - context.receivedAt > context.allowedFutureSkew {
                let hours = Double(context.allowedFutureSkew) / 3_600_000_000
                walker.sink.add(token, "occurred_at is more than \(hours.rounded() == hours ? String(Int(hours)) : String(hours)) h in the future (allowed clock skew)")
            }
        }
        if let tenant = fields.tenant, view[tenant].kind == .string, !context.acceptsEventTenant, view.string(tenant) != context.tenantId {
            walker.sink.add(tenant, "tenant_id \(JSONText.quoted(view.string(tenant))) differs from the tenant of the source \(JSONText.quoted(context.tenantId))")
        }
        guard walker.sink.isEmpty else { return .rejected(walker.sink.resolve(in: view)) }

        let userId = text(fields.userId) ?? text(fields.userIdFallback)
        var flags = fields.flags
        if let userId, !context.optOut.userIds.isEmpty, context.optOut.userIds.contains(userId) {
            switch context.optOut.action {
            case .drop: return .optedOut(DroppedEvent(contract: contract.rawValue, type: fields.type, userId: userId))
            case .flag: flags.append("opted_out")
            }
        }
        let idempotencyKey = text(fields.idempotencyKey)
        let sessionId = text(fields.sessionId)
        if let rate = context.sampling.rate(contract, fields.type) {
            // Decided on the user (else session, else event) so a kept user's whole journey is kept.
            let subject = userId ?? sessionId ?? idempotencyKey ?? String(decoding: view.rawValue(fields.payload), as: UTF8.self)
            if !Sampler.keeps(subject, rate: rate, salt: context.sampling.salt) {
                return .sampledOut(DroppedEvent(contract: contract.rawValue, type: fields.type, userId: userId))
            }
        }
        let payload: [UInt8]
        if fields.payloadPrivacyClean {
            // The schema walk saw every key of the payload and none can hit a privacy rule: the
            // rewrite would return these bytes unchanged, so copy them in one go.
            payload = Array(view.rawValue(fields.payload))
        } else {
            var rewriter = PrivacyRewriter(view: view, privacy: context.compiledPrivacy, contract: contract, type: fields.type,
                                           tenantId: context.tenantId)
            switch rewriter.rewrite(root: fields.payload) {
            case .success(let bytes): payload = bytes
            case .failure(let failure):
                for error in failure.errors { walker.sink.add(Int(error.token), error.message) }
                return .rejected(walker.sink.resolve(in: view))
            }
            if !rewriter.flags.isEmpty { flags.append(contentsOf: rewriter.flags.sorted()) }
        }
        return .accepted(CanonicalEvent(
            type: fields.type, occurredAt: occurredAt, producer: text(fields.producer), sourceService: text(fields.sourceService),
            userId: userId, orderId: text(fields.orderId), sessionId: sessionId, traceId: text(fields.traceId),
            idempotencyKey: idempotencyKey, tenantId: context.tenantId, contract: contract,
            schemaVersion: fields.schemaVersion, payload: payload, flags: flags))
    }
}

/// Deterministic keep/drop: FNV-1a 64 of `salt`, 0, `subject`, mapped to [0, 1).
enum Sampler {
    static func keeps(_ subject: String, rate: Double, salt: String) -> Bool {
        if rate >= 1 { return true }
        if rate <= 0 { return false }
        return unitHash(subject, salt: salt) < rate
    }

    static func unitHash(_ subject: String, salt: String) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        for byte in salt.utf8 { mix(byte) }
        mix(0)
        for byte in subject.utf8 { mix(byte) }
        // FNV's low bits are weak; fold the high half in before taking 53 bits.
        hash ^= hash >> 29
        hash = hash &* 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 32
        return Double(hash >> 11) / Double(1 << 53)
    }
}

// The top-level (and ingestion-api payload) members each contract reads, looked up in one pass per
// object (``MemberNames``); each constant is the slot of its name in `names`.

enum POCMNames {
    static let names = ["schema_version", "type", "data", "occurred_at", "producer", "source_service", "user_id", "order_id",
                        "session_id", "trace_id", "idempotency_key", "tenant_id"]
    static let schemaVersion = 0, type = 1, data = 2, occurredAt = 3, producer = 4, sourceService = 5, userId = 6, orderId = 7
    static let sessionId = 8, traceId = 9, idempotencyKey = 10, tenant = 11
}

enum IngestionAPINames {
    static let names = ["schema_version", "event_type", "payload", "timestamp", "producer", "source_service", "event_id", "tenant_id"]
    static let schemaVersion = 0, eventType = 1, payload = 2, timestamp = 3, producer = 4, sourceService = 5, eventId = 6, tenant = 7
}

enum IngestionAPIPayloadNames {
    static let names = ["schema_version", "transactionAt", "engagementAt", "recordedAt", "lastSeenAt", "userId", "transactionId"]
    static let schemaVersion = 0, transactionAt = 1, engagementAt = 2, recordedAt = 3, lastSeenAt = 4, userId = 5, transactionId = 6
}

enum GrowthOSNames {
    static let names = ["schema_version", "productId", "eventName", "timestamp", "userId", "profileId", "sessionId", "eventId", "tenant_id"]
    static let schemaVersion = 0, productId = 1, eventName = 2, timestamp = 3, userId = 4, profileId = 5, sessionId = 6, eventId = 7
    static let tenant = 8
}

enum PlatformNames {
    static let names = ["event_name", "schema_version", "timestamp", "user_id", "session_id", "ticket_id", "event_id", "tenant_id"]
    static let eventName = 0, schemaVersion = 1, timestamp = 2, userId = 3, sessionId = 4, ticketId = 5, eventId = 6, tenant = 7
}

enum RecsNames {
    static let names = ["eventType", "metadata", "timestamp", "userId", "anonId", "orderId", "eventId", "tenant_id"]
    static let eventType = 0, metadata = 1, timestamp = 2, userId = 3, anonId = 4, orderId = 5, eventId = 6, tenant = 7
}

extension Contract {
    /// Position in ``Contract/allCases``: registry tables are arrays indexed by it (no hashing per event).
    var ordinal: Int {
        switch self {
        case .pocm: return 0
        case .ingestionAPI: return 1
        case .growthos: return 2
        case .platform: return 3
        case .recs: return 4
        }
    }

    /// The top-level members this contract's mapping reads.
    var topLevelNames: [String] {
        switch self {
        case .pocm: return POCMNames.names
        case .ingestionAPI: return IngestionAPINames.names
        case .growthos: return GrowthOSNames.names
        case .platform: return PlatformNames.names
        case .recs: return RecsNames.names
        }
    }
}
