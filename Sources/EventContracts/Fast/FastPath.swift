/// What the fast path needs to know of one contract, prepared once with the registry.
///
/// Contract by contract it mirrors ``EventNormalizer``'s mapping (the same member names, the same
/// fallbacks); `FastPathTests` and `SluiceBench --digest` hold the two to the same verdicts.
///
/// `@unchecked Sendable`: the capture table is written only in `init` and freed in `deinit`.
final class FastPlan: @unchecked Sendable {
    let contract: Contract
    let compiled: CompiledContract
    /// Top-level members captured (the contract's ``Contract/topLevelNames``), slots 0..<16.
    let topNames: MemberNames
    /// Members captured inside the special member's object (ingestion-api `payload`, recs
    /// `metadata`), slots 16..<32.
    let innerNames: MemberNames
    /// Capture slot of the member treated specially while scanning, or -1: pocm `data` and
    /// ingestion-api `payload` are checked against the event type's schema; recs `metadata` has
    /// its members captured.
    let specialSlot: Int
    /// pocm, ingestion-api: slot of the type member, which must come before the payload.
    let typeSlot: Int
    /// platform, recs: `"<type key>":"`, found before the scan to pick the type's schema (the scan
    /// then confirms it was the top-level member).
    let typeKeyPattern: [UInt8]
    /// Per schema node: offset into ``captureSlots`` of its property table, or -1. For the nodes
    /// whose members are captured, the capture slot of each property is looked up once here
    /// rather than by name per key.
    let captureOffsets: UnsafeMutableBufferPointer<Int32>
    /// Per property of those nodes: its capture slot (0..<16 top level, 16..<32 inner), or -1.
    let captureSlots: UnsafeMutableBufferPointer<Int8>

    deinit {
        captureOffsets.baseAddress?.deallocate()
        captureSlots.baseAddress?.deallocate()
    }

    /// Nil when the compiled schemas do not have the shape the fast path relies on (then every
    /// line of the contract takes the general path).
    init?(contract: Contract, compiled: CompiledContract, store: SchemaStore) {
        guard compiled.types.allSatisfy({ !$0.versions.isEmpty }), !compiled.types.isEmpty else { return nil }
        self.contract = contract
        self.compiled = compiled
        let topNames = MemberNames(contract.topLevelNames)
        let innerNames = MemberNames(contract == .ingestionAPI ? IngestionAPIPayloadNames.names : contract == .recs ? ["schemaVersion"] : [])
        self.topNames = topNames
        self.innerNames = innerNames
        switch contract {
        case .pocm, .ingestionAPI:
            // The envelope's own node for the payload member must be a bare `{"type":"object"}`,
            // so checking the payload against the type's schema instead loses no rule.
            let payloadName = contract == .pocm ? "data" : "payload"
            guard let envelope = compiled.envelope.first?.node else { return nil }
            let node = store.nodes[Int(envelope)]
            let slot = (0..<Int(node.properties.count)).first { store.string(store.properties[Int(node.properties.start) + $0].name) == payloadName }
            guard let slot else { return nil }
            let member = store.nodes[Int(store.properties[Int(node.properties.start) + slot].node)]
            guard member.types == .object, member.properties.count == 0, member.rules.count == 0, member.anyOf.count == 0,
                  member.requiredMask == 0, member.additionalPropertiesAllowed else { return nil }
            specialSlot = contract == .pocm ? POCMNames.data : IngestionAPINames.payload
            typeSlot = contract == .pocm ? POCMNames.type : IngestionAPINames.eventType
            typeKeyPattern = []
        case .growthos:
            specialSlot = -1
            typeSlot = -1
            typeKeyPattern = []
        case .platform:
            specialSlot = -1
            typeSlot = PlatformNames.eventName
            typeKeyPattern = Array(#""event_name":""#.utf8)
        case .recs:
            specialSlot = RecsNames.metadata
            typeSlot = RecsNames.eventType
            typeKeyPattern = Array(#""eventType":""#.utf8)
        }
        // Capture tables: top-level nodes (envelopes, or the types' own nodes) and inner nodes
        // (ingestion-api payload types, recs `metadata`).
        var offsets = [Int32](repeating: -1, count: store.nodes.count)
        var slots: [Int8] = []
        func table(_ node: Int32, _ names: MemberNames, _ base: Int) {
            guard node >= 0, offsets[Int(node)] < 0 else { return }
            let schema = store.nodes[Int(node)]
            offsets[Int(node)] = Int32(slots.count)
            for slot in 0..<Int(schema.properties.count) {
                let name = store.bytes(store.properties[Int(schema.properties.start) + slot].name)
                let index = names.index(of: name.baseAddress.unsafelyUnwrapped, name.count)
                slots.append(index >= 0 ? Int8(base + index) : -1)
            }
        }
        let versionNodes = compiled.types.flatMap { $0.versions.map(\.node) }
        switch contract {
        case .pocm, .ingestionAPI:
            for envelope in compiled.envelope { table(envelope.node, topNames, 0) }
            if contract == .ingestionAPI { for node in versionNodes { table(node, innerNames, 16) } }
        case .growthos, .platform:
            for node in versionNodes { table(node, topNames, 0) }
        case .recs:
            for node in versionNodes {
                table(node, topNames, 0)
                let schema = store.nodes[Int(node)]
                for slot in 0..<Int(schema.properties.count) where store.string(store.properties[Int(schema.properties.start) + slot].name) == "metadata" {
                    table(store.properties[Int(schema.properties.start) + slot].node, innerNames, 16)
                }
            }
        }
        captureOffsets = freeze(offsets)
        captureSlots = freeze(slots)
    }

    /// The shared flag lists (copy-on-write: an event's flags cost no allocation in the common case).
    static let productIngestionFlags = ["product_ingestion"]
    static let ipTruncatedFlags = ["ip_truncated"]

    /// Called when the scanner meets the special member at the top level (see ``specialSlot``).
    func special(_ scanner: inout FastLineScanner, node: inout Int32, scope: inout PrivacyScope, capture: inout FastLineScanner.CaptureLevel) {
        switch contract {
        case .pocm, .ingestionAPI:
            let type = scanner.captures[typeSlot]
            if !type.isPresent {
                // The payload comes before its type (sorted keys): read it now for syntax only,
                // and check it against the type's schema once the type is known (``FastPath``).
                scanner.deferredPayload = true
                node = -1
                scope = .off
                capture = .none
                return
            }
            guard type.kind == .string, !type.escaped, let index = compiled.type(named: scanner.buffer(type)) else {
                return scanner.bail() // type odd or unknown
            }
            scanner.choose(type: index, node: compiled.types[index].versions[0].node, contract: contract, compiled: compiled)
            node = scanner.chosenNode
            scope = .on
            capture = contract == .ingestionAPI ? .inner : .none
        case .recs:
            capture = .inner
        case .growthos, .platform:
            break
        }
    }
}

extension FastLineScanner {
    /// pocm, ingestion-api: the payload that preceded its type, checked now against the type's
    /// schema (privacy and inner captures included). False when the line needs the general path.
    mutating func scanDeferredPayload() -> Bool {
        let type = captures[plan.typeSlot], payload = captures[plan.specialSlot]
        let compiled = plan.compiled
        guard type.isPresent, type.kind == .string, !type.escaped, payload.isPresent, payload.kind == .object,
              let index = compiled.type(named: buffer(type)) else { return false }
        choose(type: index, node: compiled.types[index].versions[0].node, contract: plan.contract, compiled: compiled)
        let end = position
        position = Int(payload.start)
        let checked = value(chosenNode, depth: 1, scope: .on, capture: plan.contract == .ingestionAPI ? .inner : .none)
        position = end
        return !bailed && checked.end == payload.end
    }

    /// Checks the payload against `type`'s first version; the version the line declares is
    /// compared with it after the scan.
    mutating func choose(type index: Int, node: Int32, contract: Contract, compiled: CompiledContract) {
        chosenType = index
        chosenNode = node
        if privacy.hasMedicalRules(contract) { medical = privacy.medicalMatcher(contract, compiled.types[index].nameString) }
    }
}

/// The fast path: one fused pass (``FastLineScanner``), then the same normalization as
/// ``EventNormalizer/finish``. Returns nil whenever the line needs the general path.
enum FastPath {
    /// Writes the verdict into `result` and returns true, or returns false (general path needed).
    /// (An `inout` result rather than `Verdict?`: returning the optional made the optimizer copy
    /// and destroy the whole event once more per line.)
    /// `owner`: the array `line` lies in at `offset`, which the event may share (see ``finish``).
    static func process(_ line: UnsafeRawBufferPointer, owner: [UInt8]? = nil, offset: Int = 0, plan: FastPlan, store: SchemaStore,
                        context: NormalizationContext, into result: inout Verdict) -> Bool {
        guard let raw = line.baseAddress else { return false }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let privacy = context.compiledPrivacy
        return withUnsafeTemporaryAllocation(of: ValueSpan.self, capacity: 32) { captures -> Bool in
            withUnsafeTemporaryAllocation(of: FastEdit.self, capacity: FastLineScanner.editCapacity) { edits -> Bool in
                let slots = captures.baseAddress.unsafelyUnwrapped
                slots.initialize(repeating: ValueSpan(), count: 32)
                var scanner = FastLineScanner(line: base, count: line.count, plan: plan, store: store, maxDepth: context.limits.maxDepth,
                                              privacy: privacy, captures: slots, edits: edits.baseAddress.unsafelyUnwrapped)
                let compiled = plan.compiled
                let rootNode: Int32
                var scope = PrivacyScope.on
                var guessedType: Int32 = -1
                switch plan.contract {
                case .pocm, .ingestionAPI:
                    rootNode = compiled.envelope[0].node
                    scope = .off
                case .growthos:
                    // Its medical matcher would depend on `eventName`, known only after the scan.
                    guard !privacy.hasMedicalRules(.growthos) else { return false }
                    rootNode = compiled.types[0].versions[0].node
                    scanner.choose(type: 0, node: rootNode, contract: .growthos, compiled: compiled)
                case .platform, .recs:
                    guard let (start, index) = guessType(base, line.count, plan) else { return false }
                    guessedType = start
                    rootNode = compiled.types[index].versions[0].node
                    scanner.choose(type: index, node: rootNode, contract: plan.contract, compiled: compiled)
                }
                scanner.skipWhitespace()
                guard scanner.position < line.count, base[scanner.position] == UInt8(ascii: "{") else { return false }
                let root = scanner.value(rootNode, depth: 0, scope: scope, capture: .top)
                guard !scanner.bailed, scanner.atEnd() else { return false }
                if scanner.deferredPayload, !scanner.scanDeferredPayload() { return false }
                guard scanner.chosenType >= 0 else { return false }
                if guessedType >= 0, scanner.captures[plan.typeSlot].start != guessedType { return false }
                return finish(&scanner, root: root, plan: plan, context: context, owner: owner, offset: offset, into: &result)
            }
        }
    }

    /// platform, recs: the type named by the first `"<type key>":"…"` in the line.
    private static func guessType(_ base: UnsafePointer<UInt8>, _ count: Int, _ plan: FastPlan) -> (Int32, Int)? {
        plan.typeKeyPattern.withUnsafeBufferPointer { pattern -> (Int32, Int)? in
            let length = pattern.count
            let patternBase = pattern.baseAddress.unsafelyUnwrapped
            let head = UnsafeRawPointer(patternBase).loadUnaligned(as: UInt64.self) // patterns are >= 8 bytes
            let ones: UInt64 = 0x0101_0101_0101_0101
            var at = 0
            // Only a `"` can start the pattern: find them eight bytes at a time.
            search: while at &+ 8 <= count {
                let quotes = UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self) ^ (ones &* 0x22)
                var found = (quotes &- ones) & ~quotes & (ones &* 0x80)
                while found != 0 {
                    let candidate = at &+ found.trailingZeroBitCount &>> 3
                    found &= found &- 1
                    if candidate &+ length <= count, UnsafeRawPointer(base + candidate).loadUnaligned(as: UInt64.self) == head,
                       memcmpEqual(base + candidate, patternBase, length) {
                        at = candidate
                        break search
                    }
                }
                at &+= 8
            }
            if at &+ 8 > count {
                // The tail (and lines shorter than a word), byte by byte.
                while at &+ length <= count, !(base[at] == UInt8(ascii: "\"") && memcmpEqual(base + at, patternBase, length)) { at &+= 1 }
            }
            guard at &+ length <= count else { return nil }
            let start = at + length
            var end = start
            while end < count, base[end] != UInt8(ascii: "\"") {
                if base[end] == UInt8(ascii: "\\") { return nil }
                end += 1
            }
            guard end < count, let index = plan.compiled.type(named: UnsafeBufferPointer(start: base + start, count: end - start)) else { return nil }
            return (Int32(start), index)
        }
    }

    /// The declared schema version (absent: 1), or nil when it is not a positive integer.
    private static func version(_ span: ValueSpan, _ scanner: FastLineScanner) -> Int? {
        guard span.isPresent else { return 1 }
        guard span.kind == .number else { return nil }
        let text = scanner.buffer(span)
        let value = JSONView.parseDouble(text)
        guard FastLineScanner.isIntegral(text), value >= 1, value <= 1_000_000 else { return nil }
        return Int(value)
    }

    /// A canonical column's text: strings decoded, numbers as written, anything else nil.
    private static func text(_ span: ValueSpan, _ scanner: FastLineScanner) -> String? {
        guard span.isPresent else { return nil }
        switch span.kind {
        case .string:
            let raw = scanner.buffer(span)
            return span.escaped ? String(decoding: JSONView.unescape(raw), as: UTF8.self) : String(decoding: raw, as: UTF8.self)
        case .number: return String(decoding: scanner.buffer(span), as: UTF8.self)
        case .object, .array, .trueLiteral, .falseLiteral, .null: return nil
        }
    }

    private static func finish(_ scanner: inout FastLineScanner, root: ValueSpan, plan: FastPlan, context: NormalizationContext,
                               owner: [UInt8]?, offset: Int, into result: inout Verdict) -> Bool {
        let captures = scanner.captures
        let absent = ValueSpan()
        let compiledType = plan.compiled.types.withUnsafeBufferPointer { $0.baseAddress.unsafelyUnwrapped + scanner.chosenType }
        var type = compiledType.pointee.nameString
        var typeSpan = absent // growthos: the `eventName` value, when it names the type
        let declaredVersion: Int?
        var occurred = absent, producer = absent, sourceService = absent, user = absent, userFallback = absent
        var order = absent, session = absent, trace = absent, key = absent, tenant = absent
        var payload = root
        var productIngestion = false
        switch plan.contract {
        case .pocm:
            typealias Name = POCMNames
            declaredVersion = version(captures[Name.schemaVersion], scanner)
            (occurred, producer, sourceService) = (captures[Name.occurredAt], captures[Name.producer], captures[Name.sourceService])
            (user, order, session, trace) = (captures[Name.userId], captures[Name.orderId], captures[Name.sessionId], captures[Name.traceId])
            (key, tenant, payload) = (captures[Name.idempotencyKey], captures[Name.tenant], captures[Name.data])
        case .ingestionAPI:
            typealias Name = IngestionAPINames
            typealias Inner = IngestionAPIPayloadNames
            let envelopeVersion = captures[Name.schemaVersion], payloadVersion = captures[16 + Inner.schemaVersion]
            guard let outer = version(envelopeVersion, scanner), let inner = version(payloadVersion, scanner) else { return false }
            if envelopeVersion.isPresent, payloadVersion.isPresent, outer != inner { return false }
            declaredVersion = envelopeVersion.isPresent ? outer : inner
            occurred = captures[Name.timestamp]
            if !occurred.isPresent {
                switch type {
                case "sales_transaction": occurred = captures[16 + Inner.transactionAt]
                case "user_engagement": occurred = captures[16 + Inner.engagementAt]
                case "event_attendance": occurred = captures[16 + Inner.recordedAt]
                case "user_profile_update": occurred = captures[16 + Inner.lastSeenAt]
                default: break
                }
            }
            (producer, sourceService, user) = (captures[Name.producer], captures[Name.sourceService], captures[16 + Inner.userId])
            if type == "sales_transaction" { order = captures[16 + Inner.transactionId] }
            key = captures[Name.eventId].isPresent ? captures[Name.eventId] : order
            (tenant, payload) = (captures[Name.tenant], captures[Name.payload])
        case .growthos:
            typealias Name = GrowthOSNames
            declaredVersion = version(captures[Name.schemaVersion], scanner)
            let eventName = captures[Name.eventName]
            productIngestion = captures[Name.productId].isPresent
            if eventName.isPresent, eventName.kind == .string {
                typeSpan = eventName
            } else if productIngestion {
                type = "product_ingestion"
            } else {
                return false
            }
            (occurred, user, session) = (captures[Name.timestamp], captures[Name.userId], captures[Name.sessionId])
            // Product ingestion creates no (anonymous) profile: only an explicit userId is kept.
            if !productIngestion { userFallback = captures[Name.profileId] }
            (key, tenant) = (captures[Name.eventId], captures[Name.tenant])
        case .platform:
            typealias Name = PlatformNames
            declaredVersion = version(captures[Name.schemaVersion], scanner)
            (occurred, user, session) = (captures[Name.timestamp], captures[Name.userId], captures[Name.sessionId])
            if type == "ticket_purchased" { order = captures[Name.ticketId] }
            (key, tenant) = (captures[Name.eventId], captures[Name.tenant])
        case .recs:
            typealias Name = RecsNames
            let metadata = captures[Name.metadata]
            declaredVersion = version(metadata.isPresent && metadata.kind == .object ? captures[16] : absent, scanner)
            (occurred, user, session) = (captures[Name.timestamp], captures[Name.userId], captures[Name.anonId])
            (order, key, tenant) = (captures[Name.orderId], captures[Name.eventId], captures[Name.tenant])
        }
        // The declared version must be the one the scan checked against.
        guard let schemaVersion = declaredVersion, payload.isPresent, payload.kind == .object,
              compiledType.pointee.node(version: schemaVersion) == scanner.chosenNode else { return false }

        var occurredAt = context.receivedAt
        if occurred.isPresent, occurred.kind == .string {
            guard !occurred.escaped else { return false }
            let checked = scanner.lastDateTime
            guard let micros = checked.start == occurred.start ? checked.micros : Timestamp.parseMicroseconds(scanner.buffer(occurred)),
                  micros - context.receivedAt <= context.allowedFutureSkew else { return false }
            occurredAt = micros
        }
        // A tenant the line names must be the source's (compared as bytes: no String per line).
        if tenant.isPresent, tenant.kind == .string, !context.acceptsEventTenant,
           tenant.escaped ? text(tenant, scanner) != context.tenantId : !context.tenantId.utf8.elementsEqual(scanner.buffer(tenant)) {
            return false
        }

        // Strings only where a policy needs one: the event's columns are copied as bytes below.
        let userSpan = user.isPresent && (user.kind == .string || user.kind == .number) ? user : userFallback
        let needsType = typeSpan.isPresent && (!context.sampling.rates.isEmpty || !context.optOut.userIds.isEmpty)
        if needsType { type = text(typeSpan, scanner) ?? "" }
        var flags: [String] = productIngestion ? FastPlan.productIngestionFlags : []
        if !context.optOut.userIds.isEmpty, let userId = text(userSpan, scanner), context.optOut.userIds.contains(userId) {
            switch context.optOut.action {
            case .drop:
                result = .optedOut(DroppedEvent(contract: plan.contract.rawValue, type: type, userId: userId))
                return true
            case .flag: flags.append("opted_out")
            }
        }
        if let rate = context.sampling.rate(plan.contract, type) {
            // Decided on the user (else session, else event) so a kept user's whole journey is kept.
            let userId = text(userSpan, scanner)
            let subject = userId ?? text(session, scanner) ?? text(key, scanner) ?? String(decoding: scanner.buffer(payload), as: UTF8.self)
            if !Sampler.keeps(subject, rate: rate, salt: context.sampling.salt) {
                result = .sampledOut(DroppedEvent(contract: plan.contract.rawValue, type: type, userId: userId))
                return true
            }
        }
        if scanner.editCount > 0 {
            // Splicing equals PrivacyRewriter's re-emission only when there is no whitespace to drop.
            guard !scanner.sawWhitespace else { return false }
            if flags.isEmpty { flags = FastPlan.ipTruncatedFlags } else { flags.append("ip_truncated") }
        }

        // Every column as written in the line (no escapes to decode, no edit): the event shares
        // the owner's bytes, with no allocation and no copy.
        if let owner, scanner.editCount == 0, owner.count <= Int(Int32.max) {
            // The type as the line spells it (the compiled type matched those very bytes).
            let typeColumn = typeSpan.isPresent ? typeSpan : plan.typeSlot >= 0 ? captures[plan.typeSlot] : absent
            var spans = SIMD16<Int32>(repeating: 0) // starts in lanes 0..<8, ends in 8..<16
            var present: UInt16 = 0
            var shareable = typeColumn.isPresent && typeColumn.kind == .string && !payload.escaped
            let base = Int32(offset)
            @inline(__always) func column(_ index: Int, _ span: ValueSpan) {
                guard span.isPresent, span.kind == .string || span.kind == .number else { return }
                if span.escaped { shareable = false }
                spans[index] = base &+ span.start
                spans[index &+ 8] = base &+ span.end
                present |= 1 << UInt16(index)
            }
            column(0, typeColumn)
            column(1, producer)
            column(2, sourceService)
            column(3, userSpan)
            column(4, order)
            column(5, session)
            column(6, trace)
            column(7, key)
            if shareable {
                present |= 1 << UInt16(CanonicalEvent.Column.payload.rawValue)
                result = .accepted(CanonicalEvent(sharing: owner, textSpans: spans, payload: (base &+ payload.start)..<(base &+ payload.end),
                                                  present: present, occurredAt: occurredAt,
                                                  tenantId: context.tenantId, contract: plan.contract,
                                                  schemaVersion: schemaVersion, flags: flags))
                return true
            }
        }

        // One buffer for every column (see CanonicalEvent.Builder), sized up front.
        @inline(__always) func length(_ span: ValueSpan) -> Int { span.isPresent ? Int(span.end &- span.start) : 0 }
        let capacity = length(payload) &+ 16 &* scanner.editCount &+ length(producer) &+ length(sourceService) &+ length(userSpan)
            &+ length(order) &+ length(session) &+ length(trace) &+ length(key)
        var builder = CanonicalEvent.Builder(capacity: capacity &+ 32)
        if typeSpan.isPresent {
            append(typeSpan, scanner, to: &builder)
        } else if productIngestion && plan.contract == .growthos {
            var name = "product_ingestion"
            name.withUTF8 { builder.append($0) }
        } else {
            compiledType.pointee.name.withUnsafeBufferPointer { builder.append($0) }
        }
        append(producer, scanner, to: &builder)
        append(sourceService, scanner, to: &builder)
        append(userSpan, scanner, to: &builder)
        append(order, scanner, to: &builder)
        append(session, scanner, to: &builder)
        append(trace, scanner, to: &builder)
        append(key, scanner, to: &builder)
        var copied = Int(payload.start)
        for index in 0..<scanner.editCount {
            let edit = scanner.edits[index]
            guard Int(edit.start) >= copied, edit.end <= payload.end else { return false }
            builder.appendPiece(UnsafeBufferPointer(start: scanner.base + copied, count: Int(edit.start) - copied))
            builder.appendPiece { IPAddressTruncation.appendQuotedPrefix(edit.octets, to: &$0) }
            copied = Int(edit.end)
        }
        builder.appendPiece(UnsafeBufferPointer(start: scanner.base + copied, count: Int(payload.end) - copied))
        builder.endPiecewise()
        result = .accepted(CanonicalEvent(builder, occurredAt: occurredAt, tenantId: context.tenantId, contract: plan.contract,
                                          schemaVersion: schemaVersion, flags: flags))
        return true
    }

    /// A column from the line: strings decoded, numbers as written, anything else absent
    /// (the bytes ``text(_:_:)`` would make a `String` of).
    @inline(__always)
    private static func append(_ span: ValueSpan, _ scanner: FastLineScanner, to builder: inout CanonicalEvent.Builder) {
        guard span.isPresent, span.kind == .string || span.kind == .number else { return builder.skip() }
        if span.escaped {
            JSONView.unescape(scanner.buffer(span)).withUnsafeBufferPointer { builder.append($0) }
        } else {
            builder.append(scanner.buffer(span))
        }
    }
}
