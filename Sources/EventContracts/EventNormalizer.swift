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
    var flags: [String] = []
}

/// Validates one parsed line against its contract and maps it to a ``CanonicalEvent``. One per line.
struct EventNormalizer {
    // The context is passed to `run`/`finish` rather than stored: storing would copy (and
    // retain) every policy collection once per event.
    let view: JSONView
    let contract: Contract
    var walker: SchemaWalker

    init(view: JSONView, store: SchemaStore, contract: Contract, errorCap: Int) {
        self.view = view
        self.contract = contract
        walker = SchemaWalker(view: view, store: store, errorCap: max(1, errorCap))
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
        let version = readVersion(view.member(0, "schema_version"))
        if let envelope = compiled.envelope.first?.node { walker.check(node: envelope, token: 0) }
        guard let version, let typeToken = view.member(0, "type"), view[typeToken].kind == .string,
              let typeIndex = view.withString(typeToken, { compiled.type(named: $0) }) else { return nil }
        let type = compiled.types[typeIndex]
        guard let node = versionNode(type, version, versionToken: view.member(0, "schema_version") ?? typeToken) else { return nil }
        guard let data = view.member(0, "data"), view[data].kind == .object else { return nil }
        walker.check(node: node, token: data)
        fields.type = type.nameString
        fields.schemaVersion = version
        fields.occurredAt = view.member(0, "occurred_at")
        fields.producer = view.member(0, "producer")
        fields.sourceService = view.member(0, "source_service")
        fields.userId = view.member(0, "user_id")
        fields.orderId = view.member(0, "order_id")
        fields.sessionId = view.member(0, "session_id")
        fields.traceId = view.member(0, "trace_id")
        fields.idempotencyKey = view.member(0, "idempotency_key")
        fields.tenant = view.member(0, "tenant_id")
        fields.payload = data
        return fields
    }

    /// Seed 000: `{event_type, payload}` plus optional envelope fields. Occurrence time: envelope
    /// `timestamp`, else the type's own timestamp field, else arrival time.
    private mutating func mapIngestionAPI(_ compiled: CompiledContract) -> CanonicalFields? {
        var fields = CanonicalFields()
        if let envelope = compiled.envelope.first?.node { walker.check(node: envelope, token: 0) }
        let envelopeVersionToken = view.member(0, "schema_version")
        guard let typeToken = view.member(0, "event_type"), view[typeToken].kind == .string,
              let typeIndex = view.withString(typeToken, { compiled.type(named: $0) }),
              let payload = view.member(0, "payload"), view[payload].kind == .object else { return nil }
        let payloadVersionToken = view.member(payload, "schema_version")
        guard let envelopeVersion = readVersion(envelopeVersionToken), let payloadVersion = readVersion(payloadVersionToken) else { return nil }
        if envelopeVersionToken != nil, let payloadVersionToken, envelopeVersion != payloadVersion {
            walker.sink.add(payloadVersionToken, "differs from the envelope schema_version \(envelopeVersion)")
            return nil
        }
        let version = envelopeVersionToken != nil ? envelopeVersion : payloadVersion
        let type = compiled.types[typeIndex]
        guard let node = versionNode(type, version, versionToken: envelopeVersionToken ?? payloadVersionToken ?? typeToken) else { return nil }
        walker.check(node: node, token: payload)
        fields.type = type.nameString
        fields.schemaVersion = version
        fields.occurredAt = view.member(0, "timestamp") ?? {
            switch type.nameString {
            case "sales_transaction": return view.member(payload, "transactionAt")
            case "user_engagement": return view.member(payload, "engagementAt")
            case "event_attendance": return view.member(payload, "recordedAt")
            case "user_profile_update": return view.member(payload, "lastSeenAt")
            default: return nil
            }
        }()
        fields.producer = view.member(0, "producer")
        fields.sourceService = view.member(0, "source_service")
        fields.userId = view.member(payload, "userId")
        if type.nameString == "sales_transaction" {
            fields.orderId = view.member(payload, "transactionId")
        }
        fields.idempotencyKey = view.member(0, "event_id") ?? fields.orderId
        fields.tenant = view.member(0, "tenant_id")
        fields.payload = payload
        return fields
    }

    /// Seed 001: one event-object schema; `productId` makes it product ingestion.
    private mutating func mapGrowthOS(_ compiled: CompiledContract) -> CanonicalFields? {
        var fields = CanonicalFields()
        let versionToken = view.member(0, "schema_version")
        guard let version = readVersion(versionToken), let event = compiled.types.first,
              let node = versionNode(event, version, versionToken: versionToken ?? 0) else { return nil }
        walker.check(node: node, token: 0)
        let productId = view.member(0, "productId")
        let eventName = view.member(0, "eventName")
        if let eventName, view[eventName].kind == .string {
            fields.type = view.string(eventName)
        } else if productId != nil {
            fields.type = "product_ingestion"
        } else {
            return nil
        }
        fields.schemaVersion = version
        fields.occurredAt = view.member(0, "timestamp")
        fields.userId = view.member(0, "userId")
        if productId != nil {
            // Product ingestion creates no (anonymous) profile: only an explicit userId is kept.
            fields.flags.append("product_ingestion")
        } else {
            fields.userIdFallback = view.member(0, "profileId")
        }
        fields.sessionId = view.member(0, "sessionId")
        fields.idempotencyKey = view.member(0, "eventId")
        fields.tenant = view.member(0, "tenant_id")
        fields.payload = 0
        return fields
    }

    /// Seed 002: common properties + `event_name`; the acted-on platform event is `target_event_id`.
    private mutating func mapPlatform(_ compiled: CompiledContract) -> CanonicalFields? {
        var fields = CanonicalFields()
        guard let type = eventType(compiled, key: "event_name") else { return nil }
        let versionToken = view.member(0, "schema_version")
        guard let version = readVersion(versionToken),
              let node = versionNode(type, version, versionToken: versionToken ?? 0) else { return nil }
        walker.check(node: node, token: 0)
        fields.type = type.nameString
        fields.schemaVersion = version
        fields.occurredAt = view.member(0, "timestamp")
        fields.userId = view.member(0, "user_id")
        fields.sessionId = view.member(0, "session_id")
        if type.nameString == "ticket_purchased" { fields.orderId = view.member(0, "ticket_id") }
        fields.idempotencyKey = view.member(0, "event_id")
        fields.tenant = view.member(0, "tenant_id")
        fields.payload = 0
        return fields
    }

    /// Seed 004: `eventType`; `metadata.schemaVersion` picks the version; `anonId` is the session.
    private mutating func mapRecs(_ compiled: CompiledContract) -> CanonicalFields? {
        var fields = CanonicalFields()
        guard let type = eventType(compiled, key: "eventType") else { return nil }
        let metadata = view.member(0, "metadata")
        let versionToken = metadata.flatMap { view[$0].kind == .object ? view.member($0, "schemaVersion") : nil }
        guard let version = readVersion(versionToken),
              let node = versionNode(type, version, versionToken: versionToken ?? 0) else { return nil }
        walker.check(node: node, token: 0)
        fields.type = type.nameString
        fields.schemaVersion = version
        fields.occurredAt = view.member(0, "timestamp")
        fields.userId = view.member(0, "userId")
        fields.sessionId = view.member(0, "anonId")
        fields.orderId = view.member(0, "orderId")
        fields.idempotencyKey = view.member(0, "eventId")
        fields.tenant = view.member(0, "tenant_id")
        fields.payload = 0
        return fields
    }

    // MARK: - Shared steps

    /// The event type named by the string at top-level `key`, or an error at that field.
    private mutating func eventType(_ compiled: CompiledContract, key: StaticString) -> CompiledEventType? {
        guard let token = view.member(0, key) else {
            walker.sink.add(0, "required field is missing", missingField: "\(key)")
            return nil
        }
        guard view[token].kind == .string else {
            walker.sink.add(token, "expected string")
            return nil
        }
        guard let index = view.withString(token, { compiled.type(named: $0) }) else {
            let name = view.string(token)
            walker.sink.add(token, "unknown event type \(JSONText.quotedString(name)) for contract \(contract.rawValue)")
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
            guard let parsed = view.withString(token, Timestamp.parseMicroseconds) else {
                walker.sink.add(token, "expected \(StringFormat.dateTime.expectation)")
                return .rejected(walker.sink.resolve(in: view))
            }
            occurredAt = parsed
            if occurredAt - context.receivedAt > context.allowedFutureSkew {
                let hours = Double(context.allowedFutureSkew) / 3_600_000_000
                walker.sink.add(token, "occurred_at is more than \(hours.rounded() == hours ? String(Int(hours)) : String(hours)) h in the future (allowed clock skew)")
            }
        }
        if let tenant = fields.tenant, view[tenant].kind == .string, view.string(tenant) != context.tenantId {
            walker.sink.add(tenant, "tenant_id \(JSONText.quotedString(view.string(tenant))) differs from the tenant of the source \(JSONText.quotedString(context.tenantId))")
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
        var rewriter = PrivacyRewriter(view: view, privacy: context.compiledPrivacy, contract: contract, type: fields.type,
                                       tenantId: context.tenantId)
        let payload: [UInt8]
        switch rewriter.rewrite(root: fields.payload) {
        case .success(let bytes): payload = bytes
        case .failure(let failure):
            for error in failure.errors { walker.sink.add(Int(error.token), error.message) }
            return .rejected(walker.sink.resolve(in: view))
        }
        if !rewriter.flags.isEmpty { flags.append(contentsOf: rewriter.flags.sorted()) }
        return .accepted(CanonicalEvent(
            type: fields.type, occurredAt: occurredAt, producer: text(fields.producer), sourceService: text(fields.sourceService),
            userId: userId, orderId: text(fields.orderId), sessionId: sessionId, traceId: text(fields.traceId),
            idempotencyKey: idempotencyKey, tenantId: context.tenantId, contract: contract.rawValue,
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
