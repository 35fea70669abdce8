@testable import EventContracts
import Foundation
import Testing

/// The fused fast path (``FastPath``) may only ever accept what the general path (tape, schema
/// walk, privacy rewrite) accepts, with the same event, byte for byte; everything else must come
/// from the general path. These tests compare the two registries line by line, and check that the
/// fast path really takes the common lines (a fast path that always declined would pass the rest).
@Suite struct FastPathAgreementTests {
    static let general = Result { try EventContractRegistry(fastPath: false) }

    /// Contexts that exercise every policy branch the fast path touches.
    static var contexts: [NormalizationContext] {
        let base = Fixture.context()
        var strip = base
        strip.privacy.piiAction = .strip
        strip.privacy.ipAddressAction = .strip
        strip.privacy.medicalAction = .strip
        var keep = base
        keep.privacy.ipAddressAction = .keep
        var sampled = base
        sampled.sampling = SamplingPolicy(rates: [.pocm: ["*": 0.5], .recs: ["view": 0.3], .growthos: ["*": 0.5]], salt: "s")
        var flagged = base
        flagged.optOut = OptOutPolicy(userIds: ["u-1", "user-1", "usr_1"], action: .flag)
        var dropped = flagged
        dropped.optOut.action = .drop
        var otherTenant = base
        otherTenant.tenantId = "globex"
        var future = base
        future.receivedAt = Fixture.now - 48 * 3_600 * 1_000_000
        return [base, strip, keep, sampled, flagged, dropped, otherTenant, future]
    }

    /// Same verdict from both registries; returns whether the fast path produced it.
    @discardableResult
    static func agree(_ line: [UInt8], _ contract: Contract, _ context: NormalizationContext,
                      sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        guard let fast = Fixture.registry, let general = try? general.get() else {
            Issue.record("registries failed to compile", sourceLocation: sourceLocation)
            return false
        }
        let expected = masked(general.process(line: line, contract: contract, context: context))
        let actual = masked(fast.process(line: line, contract: contract, context: context))
        #expect(actual == expected, "\(contract.rawValue): \(String(decoding: line, as: UTF8.self))", sourceLocation: sourceLocation)
        guard let plan = fast.fastPlans[contract.ordinal] else { return false }
        var verdict = Verdict.rejected([])
        return line.withUnsafeBytes { FastPath.process($0, plan: plan, store: fast.store, context: context, into: &verdict) }
    }

    /// Medical fields are sealed with a random nonce: compare everything but the ciphertexts.
    static func masked(_ verdict: Verdict) -> Verdict {
        guard case .accepted(let event) = verdict, event.flags.contains("medical_encrypted") else { return verdict }
        let payload = String(decoding: event.payload, as: UTF8.self)
            .replacingOccurrences(of: #""ct":"[A-Za-z0-9+/=]*""#, with: #""ct":"…""#, options: .regularExpression)
        return .accepted(CanonicalEvent(type: event.type, occurredAt: event.occurredAt, producer: event.producer, sourceService: event.sourceService,
                                        userId: event.userId, orderId: event.orderId, sessionId: event.sessionId, traceId: event.traceId,
                                        idempotencyKey: event.idempotencyKey, tenantId: event.tenantId, contract: Contract(rawValue: event.contract)!,
                                        schemaVersion: event.schemaVersion, payload: Array(payload.utf8), flags: event.flags))
    }

    @Test func everyValidExampleGetsTheSameVerdictAndMostTakeTheFastPath() {
        var taken = 0
        var total = 0
        var takenByContract: [Contract: Int] = [:]
        for (contract, type) in Fixture.allTypes {
            // As most producers write them: `/` unescaped (JSONSerialization escapes it).
            let line = Array(Fixture.validLine(contract, type).replacingOccurrences(of: "\\/", with: "/").utf8)
            for context in Self.contexts {
                total += 1
                if Self.agree(line, contract, context) {
                    taken += 1
                    takenByContract[contract, default: 0] += 1
                }
            }
        }
        // Examples with PII or medical fields, and policies that reject (tenant, clock skew), go
        // the general way; the rest must not.
        #expect(Double(taken) >= 0.6 * Double(total), "fast path took \(taken) of \(total)")
        for contract in Contract.allCases { #expect(takenByContract[contract, default: 0] > 0, "\(contract.rawValue) never took the fast path") }
    }

    @Test func randomEditsGetTheSameVerdictFromBothPaths() {
        var random = MutationFuzzTests.Generator(state: 77)
        let seeds: [(Contract, [UInt8])] = Fixture.allTypes.map { ($0.0, Array(Fixture.validLine($0.0, $0.1).utf8)) }
        let contexts = Self.contexts
        let extra: [[UInt8]] = [" ", "\t", "\\n", "\\\"", "\\u00e9", "\"ip_address\":\"10.1.2.3\",", "\"metadata\":{\"mail\":\"a@b.co\"},",
                                "\"tenant_id\":\"acme\",", "\"schema_version\":2,", "\"type\":\"cart\","].map { Array($0.utf8) }
        for round in 0..<4_000 {
            let (contract, original) = seeds[Int(random.next() % UInt64(seeds.count))]
            let line = MutationFuzzTests.mutate(original, edits: 1 + Int(random.next() % 3), extra: extra, &random)
            Self.agree(line, contract, contexts[round % contexts.count])
        }
    }

    @Test func whitespaceMemberOrderAndPrivacyEditsAgree() {
        let platform = #"{"event_id":"123e4567-e89b-12d3-a456-426614174000","timestamp":"2024-05-01T11:00:00Z","user_id":"123e4567-e89b-12d3-a456-426614174001","session_id":"123e4567-e89b-12d3-a456-426614174002","device_type":"web","platform":"Chrome","ip_address":"203.0.113.77","event_name":"event_viewed","target_event_id":"e-1","source":"search"}"#
        let cart = FastPathTests.cart(#"{"cart_id":"c","action":"cart_viewed","cart_total":{"amount":1.5,"currency":"INR"},"cart_abandonment_duration":"PT1M"}"#)
        let dataFirst = #"{"data":{"cart_id":"c","action":"cart_viewed","cart_total":{"amount":1.5,"currency":"INR"},"cart_abandonment_duration":"PT1M"},"type":"cart","occurred_at":"2024-05-01T10:00:00Z","producer":"web","source_service":"svc","user_id":"u-1"}"#
        let cases: [(Contract, String, Bool)] = [
            (.platform, platform, true), // IPv4 truncated by the fast path
            (.platform, platform.replacingOccurrences(of: "\",\"", with: "\", \""), false), // whitespace beside an edit: general
            (.platform, platform.replacingOccurrences(of: "203.0.113.77", with: "2001:db8::1"), false), // IPv6: general
            (.pocm, cart, true),
            (.pocm, cart.replacingOccurrences(of: "\",\"", with: "\" ,\t\""), true), // whitespace without edits: fast
            (.pocm, dataFirst, true), // payload before its type (sorted keys): checked once the type is known
            (.pocm, cart.replacingOccurrences(of: "\"svc\"", with: "\"s\\u0076c\""), false), // \u escape: general
            (.pocm, cart.replacingOccurrences(of: "\"svc\"", with: "\"s\\\\vc\""), false), // escape in a string under a rule: general
            (.pocm, cart.replacingOccurrences(of: "\"cart_id\":\"c\"", with: "\"cart_id\":\"c\",\"note\":\"a\\\"b\""), true), // escape, no rule: fast
        ]
        for (contract, line, fast) in cases {
            #expect(Self.agree(Array(line.utf8), contract, Fixture.context()) == fast, "\(line)")
        }
        if case .accepted(let event)? = Fixture.registry?.process(line: Array(platform.utf8), contract: .platform, context: Fixture.context()) {
            #expect(String(decoding: event.payload, as: UTF8.self).contains(#""ip_address":"203.0.113.0""#))
            #expect(event.flags == ["ip_truncated"])
        } else {
            Issue.record("platform line not accepted")
        }
    }

    /// Lines read out of a shared buffer (as the loader reads a batch) give the same verdicts as
    /// lines handed over by pointer, whose events copy what they keep; a shared event's columns
    /// stay its own when the caller's array changes afterwards.
    @Test func eventsSharingTheBufferEqualEventsThatCopy() throws {
        let registry = try #require(Fixture.registry)
        let escapedProducer = FastPathTests.cart(#"{"cart_id":"c","action":"cart_viewed","cart_total":{"amount":1.5,"currency":"INR"},"cart_abandonment_duration":"PT1M"}"#)
            .replacingOccurrences(of: "\"web\"", with: "\"w\\\"eb\"")
        let platform = #"{"event_id":"123e4567-e89b-12d3-a456-426614174000","timestamp":"2024-05-01T11:00:00Z","user_id":"u-9","session_id":"123e4567-e89b-12d3-a456-426614174002","device_type":"web","platform":"Chrome","ip_address":"203.0.113.77","event_name":"event_viewed","target_event_id":"e-1","source":"search"}"#
        var lines: [(Contract, String)] = Fixture.allTypes.map { ($0.0, Fixture.validLine($0.0, $0.1).replacingOccurrences(of: "\\/", with: "/")) }
        lines += [(.pocm, escapedProducer), (.platform, platform)]
        // All lines in one buffer, each after some other bytes, so offsets are not zero.
        var buffer = Array("not a line\n".utf8)
        var ranges: [Range<Int>] = []
        for (_, line) in lines {
            let start = buffer.count
            buffer += Array(line.utf8)
            ranges.append(start..<buffer.count)
            buffer += Array("\n{}\n".utf8)
        }
        var shared: [Verdict] = []
        for ((contract, _), range) in zip(lines, ranges) {
            let context = Fixture.context()
            let fromBuffer = registry.process(line: range, in: buffer, contract: contract, context: context)
            let copied = buffer.withUnsafeBytes { registry.process(line: UnsafeRawBufferPointer(rebasing: $0[range]), contract: contract, context: context) }
            #expect(Self.masked(fromBuffer) == Self.masked(copied), "\(contract.rawValue): \(String(decoding: buffer[range], as: UTF8.self))")
            shared.append(fromBuffer)
        }
        let accepted = shared.filter { if case .accepted = $0 { true } else { false } }.count
        for (verdict, (contract, line)) in zip(shared, lines) {
            if case .rejected(let errors) = verdict { Issue.record("\(contract.rawValue) \(line): \(errors)") }
        }
        #expect(accepted == lines.count, "every line here is valid")
        if case .accepted(let event) = shared[lines.count - 2] { #expect(event.producer == "w\"eb") } // decoded: its own buffer
        // The caller's array changes (copy on write): the events keep what they read.
        let before = shared.map(Self.masked)
        for index in buffer.indices { buffer[index] = UInt8(ascii: "x") }
        #expect(shared.map(Self.masked) == before)
        if case .accepted(let event) = shared.last {
            #expect(event.type == "event_viewed")
            #expect(event.userId == "u-9")
            #expect(String(decoding: event.payload, as: UTF8.self).contains(#""ip_address":"203.0.113.0""#))
        }
    }
}
