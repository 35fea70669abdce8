@testable import EventContracts
import Foundation
import Testing

@Suite struct NormalizationTests {
    @Test func pocmEnvelopeMapsToTheCanonicalRow() {
        let line = #"{"type":"payment","occurred_at":"2024-05-01T17:30:00.123456+05:30","producer":"checkout","source_service":"payments","user_id":"u-9","order_id":"o-1","session_id":"s-1","trace_id":"t-1","idempotency_key":"pay:1","tenant_id":"acme","data":{"transaction_id":"t","payment_gateway":"razorpay","payment_method":"upi","payment_status":"captured","amount":10,"currency":"INR","confirmation_duration":"PT2S","risk_score":3,"custom":{"kept":true}}}"#
        guard let event = Fixture.accepted(line) else { return }
        #expect(event.type == "payment")
        #expect(event.occurredAt == 1_714_564_800_123_456) // 12:00:00.123456Z
        #expect(event.producer == "checkout")
        #expect(event.sourceService == "payments")
        #expect(event.userId == "u-9")
        #expect(event.orderId == "o-1")
        #expect(event.sessionId == "s-1")
        #expect(event.traceId == "t-1")
        #expect(event.idempotencyKey == "pay:1")
        #expect(event.tenantId == "acme")
        #expect(event.schemaVersion == 1)
        // The stored payload is the `data` object itself, extra fields included.
        let payload = Fixture.object(String(decoding: event.payload, as: UTF8.self))
        #expect(payload["transaction_id"] as? String == "t")
        #expect((payload["custom"] as? [String: Any])?["kept"] as? Bool == true)
        #expect(payload["type"] == nil)
    }

    @Test func typeMayFollowData() {
        let line = #"{"data":{},"occurred_at":"2024-05-01T10:00:00Z","producer":"p","source_service":"s","type":"recall"}"#
        #expect(Fixture.accepted(line)?.type == "recall")
    }

    @Test(arguments: [
        ("2024-05-01T12:00:00Z", Int64(1_714_564_800_000_000)),
        ("2024-05-01T12:00:00.5Z", Int64(1_714_564_800_500_000)),
        ("2024-05-01T14:00:00+02:00", Int64(1_714_564_800_000_000)),
        ("2024-05-01T07:30:00.000001-04:30", Int64(1_714_564_800_000_001)),
        ("1969-12-31T23:59:59Z", Int64(-1_000_000)),
        ("2024-02-29T00:00:00Z", Int64(1_709_164_800_000_000)),
    ])
    func timestampsBecomeUTCMicroseconds(text: String, micros: Int64) {
        let parsed = Array(text.utf8).withUnsafeBufferPointer(Timestamp.parseMicroseconds)
        #expect(parsed == micros)
    }

    @Test(arguments: ["2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-11-31T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:00:60Z", "2024-05-01T12:00:00", "2024-05-01 12:00:00Z", "2024-05-01T12:00:00+0200"])
    func invalidTimestampsAreRefused(text: String) {
        #expect(Array(text.utf8).withUnsafeBufferPointer(Timestamp.parseMicroseconds) == nil)
    }

    @Test func ingestionAPITimestampAndKeys() {
        let sale = #"{"event_type":"sales_transaction","payload":{"transactionId":"txn-1","userId":"u","productId":"p","value":1,"currency":"USD","quantity":1,"transactionAt":"2024-05-01T11:00:00Z"}}"#
        let event = Fixture.accepted(sale, .ingestionAPI)
        #expect(event?.occurredAt == Fixture.now - 3_600_000_000)
        #expect(event?.idempotencyKey == "txn-1")
        #expect(event?.orderId == "txn-1")
        #expect(event?.userId == "u")
        let withEnvelope = sale.replacingOccurrences(of: #""payload""#, with: #""event_id":"e-7","timestamp":"2024-05-01T11:30:00Z","payload""#)
        let enveloped = Fixture.accepted(withEnvelope, .ingestionAPI)
        #expect(enveloped?.occurredAt == Fixture.now - 1_800_000_000)
        #expect(enveloped?.idempotencyKey == "e-7")
        // No occurrence field at all: arrival time.
        let details = #"{"event_type":"event_details_update","payload":{"eventId":"e","eventName":"n","startAt":"2024-06-01T10:00:00Z","endAt":"2024-06-01T11:00:00Z"}}"#
        #expect(Fixture.accepted(details, .ingestionAPI)?.occurredAt == Fixture.now)
    }

    @Test func growthosUsesProfileIdWhenUserIdIsAbsent() {
        let line = #"{"eventId":"evt_1","profileId":"usr_12ab","sessionId":"sess_1","eventName":"Signed Up","timestamp":"2024-05-01T11:00:00Z"}"#
        let event = Fixture.accepted(line, .growthos)
        #expect(event?.type == "Signed Up")
        #expect(event?.userId == "usr_12ab")
        #expect(event?.idempotencyKey == "evt_1")
        #expect(event?.sessionId == "sess_1")
        #expect(event?.flags == [])
    }

    @Test func platformIntegerUserIdAndTargetEvent() {
        let line = #"{"event_id":"123e4567-e89b-12d3-a456-426614174000","timestamp":"2024-05-01T11:00:00Z","user_id":42,"event_name":"ticket_purchased","target_event_id":"webinar-9","ticket_id":"tk-1","amount":10,"currency":"EUR","payment_method":"card"}"#
        let event = Fixture.accepted(line, .platform)
        #expect(event?.userId == "42")
        #expect(event?.orderId == "tk-1")
        #expect(event?.idempotencyKey == "123e4567-e89b-12d3-a456-426614174000")
    }

    @Test func recsAnonIdIsTheSession() {
        let line = #"{"eventId":"123e4567-e89b-12d3-a456-426614174000","eventType":"search","timestamp":"2024-05-01T11:00:00Z","anonId":"anon-1","metadata":{"query":"q","schemaVersion":1}}"#
        let event = Fixture.accepted(line, .recs)
        #expect(event?.userId == nil)
        #expect(event?.sessionId == "anon-1")
        #expect(event?.schemaVersion == 1)
    }

    @Test func registryIsUsableFromManyTasksAtOnce() async {
        guard let registry = Fixture.registry else { return }
        let line = Array(Fixture.validLine(.pocm, "cart").utf8)
        let context = Fixture.context()
        let accepted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var count = 0
                    for _ in 0..<200 { if case .accepted = registry.process(line: line, contract: .pocm, context: context) { count += 1 } }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(accepted == 1_600)
    }
}
