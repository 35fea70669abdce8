@testable import EventContracts
import Testing

@Suite struct ValidExampleTests {
    /// Every type of every contract: a complete example built from its document is accepted.
    @Test(arguments: Fixture.allTypes)
    func completeExampleIsAccepted(contract: Contract, type: String) {
        let line = Fixture.validLine(contract, type)
        let event = Fixture.accepted(line, contract)
        #expect(event?.contract == contract.rawValue)
        #expect(event?.tenantId == "acme")
        if contract != .growthos { #expect(event?.type == type) }
    }

    @Test func coversEveryType() {
        #expect(Fixture.allTypes.count == 45 + 5 + 1 + 18 + 5)
    }

    // Seed 001's own product-ingestion example, verbatim.
    @Test func growthosSeedProductIngestionExample() {
        let seed = #"{"productId": "123", "data": {"name": "Wine", "amount": 150, "quantity": 4}}"#
        let event = Fixture.accepted(seed, .growthos)
        #expect(event?.type == "product_ingestion")
        #expect(event?.flags == ["product_ingestion"])
        #expect(event?.userId == nil)
        #expect(event?.occurredAt == Fixture.now)
    }

    // Seed 004's examples use the placeholder "uuid" for eventId, which its own schema says is a UUID:
    // verbatim they are rejected at /eventId; with a real UUID they are accepted.
    static let recsSeedExamples = [
        #"{"eventId": "uuid", "eventType": "view", "timestamp": "2025-10-22T12:00:00Z", "userId": "user_123", "anonId": "session_456", "productId": "sku_abc", "metadata": {"referrer": "category_page", "device": "mobile"}}"#,
        #"{"eventId": "uuid", "eventType": "click", "timestamp": "2025-10-22T12:01:00Z", "userId": "user_123", "productId": "sku_abc", "metadata": { "position": 3 }}"#,
        #"{"eventId": "uuid", "eventType": "add_to_cart", "timestamp": "2025-10-22T12:02:00Z", "userId": "user_123", "productId": "sku_abc", "metadata": { "quantity": 1 }}"#,
        #"{"eventId": "uuid", "eventType": "purchase", "timestamp": "2025-10-22T12:05:00Z", "userId": "user_123", "orderId": "order_789", "productIds": ["sku_abc","sku_def"], "metadata": { "total": 99.95 }}"#,
        #"{"eventId": "uuid", "eventType": "search", "timestamp": "2025-10-22T12:03:00Z", "userId": "user_123", "metadata": { "query": "wireless headphones" }}"#,
    ]

    @Test(arguments: recsSeedExamples)
    func recsSeedExampleNeedsARealUUID(line: String) {
        var context = Fixture.context()
        context.receivedAt = 1_761_134_400_000_000 // 2025-10-22T12:00:00Z
        #expect(Fixture.errors(line, .recs, context).map(\.field) == ["/eventId"])
        let fixed = line.replacingOccurrences(of: #""uuid""#, with: #""9b2f3c1e-8d4a-4f6b-a1c2-3d4e5f607182""#)
        #expect(Fixture.accepted(fixed, .recs, context) != nil)
    }

    // Seed 000's example column, assembled into payloads.
    @Test func ingestionAPISeedExamples() {
        let lines = [
            #"{"event_type":"user_profile_update","payload":{"userId":"user-12345","email":"test@example.com","firstName":"Jane","lastName":"Doe","role":"Marketing Manager","company":"Acme Inc.","lastSeenAt":"2023-10-26T15:30:00Z","customAttributes":{"lead_source":"webinar"}}}"#,
            #"{"event_type":"event_details_update","payload":{"eventId":"evt-abc-987","eventName":"Q4 Product Launch Webinar","startAt":"2023-12-15T14:00:00Z","endAt":"2023-12-15T15:00:00Z","location":"https://webinar.example.com/live","capacity":500,"category":"Webinar"}}"#,
            #"{"event_type":"sales_transaction","payload":{"transactionId":"txn-a1b2c3d4","userId":"user-12345","eventId":"evt-abc-987","productId":"ticket-general-admission","value":49.99,"currency":"USD","quantity":1,"transactionAt":"2023-10-27T09:12:35Z"}}"#,
            #"{"event_type":"user_engagement","payload":{"userId":"user-12345","engagementType":"email_open","resourceId":"email-campaign-123","eventId":"evt-abc-987","engagementAt":"2023-10-27T08:15:22Z","duration":45,"metadata":{"referrer":"google.com"}}}"#,
            #"{"event_type":"event_attendance","payload":{"eventId":"evt-abc-987","actualAttendees":425,"registeredAttendees":500,"attendanceRate":0.85,"recordedAt":"2023-12-15T16:30:00Z","demographicBreakdown":{"industry":{"tech":250,"finance":175}}}}"#,
        ]
        for line in lines { #expect(Fixture.accepted(line, .ingestionAPI) != nil) }
    }
}
