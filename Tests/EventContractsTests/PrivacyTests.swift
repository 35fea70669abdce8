@testable import EventContracts
import Foundation
import Testing

@Suite struct PrivacyTests {
    static func payload(_ event: CanonicalEvent?) -> [String: Any] {
        Fixture.object(String(decoding: event?.payload ?? [], as: UTF8.self))
    }

    @Test func emailByFieldNameIsKeyedHashPerTenant() {
        let line = #"{"event_type":"user_profile_update","payload":{"userId":"u","email":" Test@Example.com","firstName":"Jane"}}"#
        let first = Self.payload(Fixture.accepted(line, .ingestionAPI))
        let hashed = first["email"] as? String ?? ""
        #expect(hashed.hasPrefix("hmac-sha256:") && hashed.count == 12 + 64)
        #expect(first["firstName"] as? String == "Jane")
        // Same address (case and spaces aside), same hash; another tenant secret, another hash.
        let again = Self.payload(Fixture.accepted(line.replacingOccurrences(of: " Test@Example.com", with: "test@example.com"), .ingestionAPI))
        #expect(again["email"] as? String == hashed)
        var other = Fixture.context(tenant: "other")
        other.privacy.piiHashSecret = Array("other-secret".utf8)
        #expect(Self.payload(Fixture.accepted(line, .ingestionAPI, other))["email"] as? String != hashed)
    }

    @Test func piiIsStrippedWhenPolicySaysSoOrNoSecretIsConfigured() {
        let line = #"{"event_type":"user_profile_update","payload":{"userId":"u","email":"a@b.co","phone_number":"+91 98765 43210"}}"#
        var context = Fixture.context()
        context.privacy.piiHashSecret = nil
        let event = Fixture.accepted(line, .ingestionAPI, context)
        let payload = Self.payload(event)
        #expect(payload["email"] == nil && payload["phone_number"] == nil && payload["userId"] as? String == "u")
        #expect(event?.flags.contains("pii_stripped") == true)
        context = Fixture.context()
        context.privacy.piiAction = .strip
        #expect(Self.payload(Fixture.accepted(line, .ingestionAPI, context))["email"] == nil)
    }

    @Test func piiByValueInsideFreeFormMetadata() {
        let line = #"{"eventId":"123e4567-e89b-12d3-a456-426614174000","eventType":"view","timestamp":"2024-05-01T11:00:00Z","userId":"u","productId":"p","metadata":{"contact":"jane@example.org","alt":["+44 20 7946 0958","ok"],"day":"2024-05-01","device":"mobile","n":12}}"#
        let metadata = Self.payload(Fixture.accepted(line, .recs))["metadata"] as? [String: Any] ?? [:]
        #expect((metadata["contact"] as? String)?.hasPrefix("hmac-sha256:") == true)
        let alt = metadata["alt"] as? [String] ?? []
        #expect(alt.count == 2 && alt[0].hasPrefix("hmac-sha256:") && alt[1] == "ok")
        #expect(metadata["day"] as? String == "2024-05-01")
        #expect(metadata["device"] as? String == "mobile")
    }

    @Test(arguments: [("203.0.113.77", "203.0.113.0"), ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"), ("::1", "0:0:0::")])
    func ipAddressIsTruncated(ip: String, expected: String) {
        let line = #"{"event_id":"123e4567-e89b-12d3-a456-426614174000","timestamp":"2024-05-01T11:00:00Z","event_name":"rsvp_clicked","user_id":"u","target_event_id":"e","ip_address":"\#(ip)"}"#
        let event = Fixture.accepted(line, .platform)
        #expect(Self.payload(event)["ip_address"] as? String == expected)
        #expect(event?.flags.contains("ip_truncated") == true)
    }

    @Test func unparseableIPIsRemoved() {
        let line = #"{"event_id":"123e4567-e89b-12d3-a456-426614174000","timestamp":"2024-05-01T11:00:00Z","event_name":"rsvp_clicked","user_id":"u","target_event_id":"e","ip_address":"localhost"}"#
        #expect(Self.payload(Fixture.accepted(line, .platform))["ip_address"] == nil)
    }

    @Test func medicalFieldsAreEncryptedAndOnlyTheKeyOpensThem() throws {
        let line = Fixture.validLine(.pocm, "adverse_event")
        guard let event = Fixture.accepted(line) else { return }
        let payload = Self.payload(event)
        let sealed = payload["patient_demographics"] as? [String: Any] ?? [:]
        #expect(sealed["enc"] as? String == "AES-256-GCM")
        #expect(sealed["kid"] as? String == "k1")
        #expect(payload["severity"] as? String == "mild") // non-medical fields stay readable
        #expect(event.flags.contains("medical_encrypted"))
        let key = MedicalFieldKey(id: "k1", bytes: Array(repeating: 7, count: 32))
        let plain = try MedicalFieldCipher.open(ciphertext: sealed["ct"] as? String ?? "", key: key, tenantId: "acme")
        let demographics = Fixture.object(String(decoding: plain, as: UTF8.self))
        #expect(demographics["age_group"] as? String == "pediatric")
        #expect(throws: (any Error).self) { try MedicalFieldCipher.open(ciphertext: sealed["ct"] as? String ?? "", key: key, tenantId: "other") }
    }

    @Test func medicalFieldsWithoutAKeyAreRejectedNotStoredInClear() {
        var context = Fixture.context()
        context.privacy.medicalKey = nil
        let errors = Fixture.errors(Fixture.validLine(.pocm, "device_activation"), .pocm, context)
        #expect(errors.contains { $0.field == "/data/patient_id" && $0.message.contains("encryption key") })
        context.privacy.medicalAction = .strip
        #expect(Self.payload(Fixture.accepted(Fixture.validLine(.pocm, "device_activation"), .pocm, context))["patient_id"] == nil)
    }

    @Test func optedOutUsersAreFlaggedOrDropped() {
        var context = Fixture.context()
        context.optOut = OptOutPolicy(userIds: ["u-1"], action: .flag)
        let line = Fixture.validLine(.pocm, "cart")
        #expect(Fixture.accepted(line, .pocm, context)?.flags.contains("opted_out") == true)
        context.optOut.action = .drop
        #expect(Fixture.process(line, .pocm, context) == .optedOut(DroppedEvent(contract: "pocm", type: "cart", userId: "u-1")))
    }

    @Test func samplingIsDeterministicPerUserAcrossTypes() {
        var context = Fixture.context()
        context.sampling = SamplingPolicy(rates: [.pocm: ["*": 0.3]], salt: "s")
        var kept = 0
        for user in 0..<1_000 {
            let cart = Fixture.validLine(.pocm, "cart").replacingOccurrences(of: #""u-1""#, with: "\"user-\(user)\"")
            let payment = Fixture.validLine(.pocm, "payment").replacingOccurrences(of: #""u-1""#, with: "\"user-\(user)\"")
            let keptCart: Bool
            switch Fixture.process(cart, .pocm, context) {
            case .accepted: keptCart = true
            case .sampledOut(let dropped): keptCart = false; #expect(dropped.type == "cart")
            case .rejected, .optedOut: Issue.record("unexpected verdict"); return
            }
            // The same user's other events get the same decision: whole journeys are kept.
            if case .accepted = Fixture.process(payment, .pocm, context) { #expect(keptCart) } else { #expect(!keptCart) }
            if keptCart { kept += 1 }
        }
        #expect((240...360).contains(kept), "kept \(kept) of 1000 at rate 0.3")
    }
}
