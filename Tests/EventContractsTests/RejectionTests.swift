@testable import EventContracts
import Foundation
import Testing

/// One invalid case per kind of rule, each asserting the JSON Pointer of the reported field.
@Suite struct RejectionTests {
    /// A valid pocm line whose `data` (or envelope, via `envelope`) is patched.
    static func pocm(_ type: String, data patch: [String: Any] = [:], remove: [String] = [], envelope: [String: Any] = [:]) -> String {
        var line = Fixture.object(Fixture.validLine(.pocm, type))
        var data = line["data"] as? [String: Any] ?? [:]
        for (key, value) in patch { data[key] = value }
        for key in remove { data.removeValue(forKey: key) }
        line["data"] = data
        for (key, value) in envelope { line[key] = value }
        return Fixture.json(line)
    }

    static func other(_ contract: Contract, _ type: String, patch: [String: Any] = [:], remove: [String] = []) -> String {
        var line = Fixture.object(Fixture.validLine(contract, type))
        for (key, value) in patch { line[key] = value }
        for key in remove { line.removeValue(forKey: key) }
        return Fixture.json(line)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var contract: Contract
        var line: String
        var field: String
        var message: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "type: string for number", contract: .pocm, line: pocm("cart", data: ["cart_total": ["amount": "21", "currency": "INR"]]), field: "/data/cart_total/amount", message: "expected number"),
        Case(name: "range >=0", contract: .pocm, line: pocm("cart", data: ["cart_total": ["amount": -1, "currency": "INR"]]), field: "/data/cart_total/amount", message: ">= 0"),
        Case(name: "range 0..100", contract: .pocm, line: pocm("payment", data: ["risk_score": 100.5]), field: "/data/risk_score", message: "between 0 and 100"),
        Case(name: "range 1..5", contract: .pocm, line: pocm("feedback", data: ["rating": 6]), field: "/data/rating", message: "between 1 and 5"),
        Case(name: "range 0..1", contract: .pocm, line: pocm("notification", data: ["open_rate": 1.2]), field: "/data/open_rate", message: "between 0 and 1"),
        Case(name: "int vs number", contract: .pocm, line: pocm("user", data: ["login_count": 1.5]), field: "/data/login_count", message: "expected integer"),
        Case(name: "enum", contract: .pocm, line: pocm("cart", data: ["action": "added"]), field: "/data/action", message: "must be one of"),
        Case(name: "array item", contract: .pocm, line: pocm("cart", data: ["items_added": [["product_id": "p", "quantity": 0, "price": 1, "category": "c"]]]), field: "/data/items_added/0/quantity", message: ">= 1"),
        Case(name: "array item required", contract: .pocm, line: pocm("logistics", data: ["delivery_updates": [["status": "x", "location": "y"]]]), field: "/data/delivery_updates/0/timestamp", message: "required"),
        Case(name: "minItems", contract: .pocm, line: pocm("comparison", data: ["products_compared": ["only-one"]]), field: "/data/products_compared", message: "at least 2"),
        Case(name: "required", contract: .pocm, line: pocm("cart", remove: ["cart_id"]), field: "/data/cart_id", message: "required field is missing"),
        Case(name: "nested Geo country", contract: .pocm, line: pocm("user", data: ["geo": ["country": "India", "region": "KA", "city": "Blr"]]), field: "/data/geo/country", message: "ISO 3166"),
        Case(name: "nested Device enum", contract: .pocm, line: pocm("cart", data: ["device": ["platform": "tv", "user_agent": "x", "screen_resolution": "1x1"]]), field: "/data/device/platform", message: "one of"),
        Case(name: "nested patient_response", contract: .pocm, line: pocm("dosage_delivery", data: ["patient_response": ["immediate_reaction": "none", "pain_level": 11, "absorption_rate": "fast"]]), field: "/data/patient_response/pain_level", message: "between 0 and 10"),
        Case(name: "format date-time", contract: .pocm, line: pocm("logistics", data: ["estimated_delivery": "2024-13-01T00:00:00Z"]), field: "/data/estimated_delivery", message: "ISO 8601 date-time"),
        Case(name: "format date", contract: .pocm, line: pocm("device_activation", data: ["device_metadata": ["firmware_version": "1", "manufacturing_date": "2023-02-29", "expiry_date": "2025-01-01", "storage_conditions": ["temperature_range": "2-8C", "humidity_exposure": 0.4]]]), field: "/data/device_metadata/manufacturing_date", message: "ISO 8601 date"),
        Case(name: "format duration", contract: .pocm, line: pocm("cart", data: ["cart_abandonment_duration": "30 minutes"]), field: "/data/cart_abandonment_duration", message: "duration"),
        Case(name: "format currency", contract: .pocm, line: pocm("payment", data: ["currency": "RUP"]), field: "/data/currency", message: "ISO 4217"),
        Case(name: "format uri", contract: .pocm, line: pocm("affiliate", data: ["referral_url": "not a uri"]), field: "/data/referral_url", message: "URI"),
        Case(name: "format NFLX", contract: .pocm, line: pocm("device_activation", data: ["device_id": "NFLX_123"]), field: "/data/device_id", message: "NFLX_"),
        Case(name: "format BATCH", contract: .pocm, line: pocm("device_activation", data: ["batch_number": "BATCH_20241301_001"]), field: "/data/batch_number", message: "BATCH_"),
        Case(name: "format idempotency key", contract: .pocm, line: pocm("cart", envelope: ["idempotency_key": "has space"]), field: "/idempotency_key", message: "safe characters"),
        Case(name: "format uuid", contract: .platform, line: other(.platform, "event_viewed", patch: ["event_id": "123"]), field: "/event_id", message: "UUID"),
        Case(name: "cart items_added when item_added", contract: .pocm, line: pocm("cart", data: ["action": "item_added"], remove: ["items_added"]), field: "/data/items_added", message: "when action is \"item_added\""),
        Case(name: "growthos needs profileId or userId", contract: .growthos, line: other(.growthos, "event", remove: ["productId", "profileId", "userId"]), field: "", message: "one of profileId or userId"),
        Case(name: "growthos needs eventName unless product", contract: .growthos, line: other(.growthos, "event", remove: ["productId", "eventName"]), field: "/eventName", message: "unless productId"),
        Case(name: "recs needs userId or anonId", contract: .recs, line: other(.recs, "view", remove: ["userId", "anonId"]), field: "", message: "one of userId or anonId"),
        Case(name: "unknown type pocm", contract: .pocm, line: pocm("cart", envelope: ["type": "carts"]), field: "/type", message: "must be one of"),
        Case(name: "unknown type platform", contract: .platform, line: other(.platform, "event_viewed", patch: ["event_name": "event_liked"]), field: "/event_name", message: "unknown event type"),
        Case(name: "unknown type recs", contract: .recs, line: other(.recs, "view", patch: ["eventType": "like"]), field: "/eventType", message: "unknown event type"),
        Case(name: "unknown version", contract: .pocm, line: pocm("cart", envelope: ["schema_version": 2]), field: "/schema_version", message: "unknown schema version 2"),
        Case(name: "unknown version recs", contract: .recs, line: other(.recs, "view", patch: ["metadata": ["schemaVersion": 3]]), field: "/metadata/schemaVersion", message: "unknown schema version 3"),
        Case(name: "bad version", contract: .pocm, line: pocm("cart", envelope: ["schema_version": "1"]), field: "/schema_version", message: "positive integer"),
        Case(name: "unknown envelope field", contract: .pocm, line: pocm("cart", envelope: ["ocurred_at": "x"]), field: "/ocurred_at", message: "unknown field"),
        Case(name: "tenant mismatch", contract: .pocm, line: pocm("cart", envelope: ["tenant_id": "evil"]), field: "/tenant_id", message: "differs"),
        Case(name: "future skew", contract: .pocm, line: pocm("cart", envelope: ["occurred_at": "2024-05-02T12:00:01Z"]), field: "/occurred_at", message: "in the future"),
        Case(name: "more than µs", contract: .pocm, line: pocm("cart", envelope: ["occurred_at": "2024-05-01T10:00:00.1234567Z"]), field: "/occurred_at", message: "date-time"),
        Case(name: "ingestion-api version conflict", contract: .ingestionAPI, line: #"{"event_type":"user_engagement","schema_version":1,"payload":{"schema_version":2,"userId":"u","engagementType":"x","engagementAt":"2024-05-01T10:00:00Z"}}"#, field: "/payload/schema_version", message: "differs"),
        Case(name: "id too long", contract: .pocm, line: pocm("cart", envelope: ["user_id": String(repeating: "u", count: 256)]), field: "/user_id", message: "at most 255"),
        Case(name: "growthos eventName > 64", contract: .growthos, line: other(.growthos, "event", patch: ["eventName": String(repeating: "n", count: 65)]), field: "/eventName", message: "at most 64"),
    ]

    @Test(arguments: cases)
    func reportsTheField(_ testCase: Case) {
        let errors = Fixture.errors(testCase.line, testCase.contract)
        #expect(errors.contains { $0.field == testCase.field && $0.message.contains(testCase.message) },
                "got \(errors.map(\.pair))")
    }

    static let malformed: [(String, String)] = [
        ("array top level", #"[{"type":"cart"}]"#),
        ("string top level", #""cart""#),
        ("trailing comma", #"{"type":"cart",}"#),
        ("trailing garbage", #"{"type":"cart"} x"#),
        ("truncated", #"{"type":"cart","data":{"cart_id":"a"#),
        ("empty", ""),
    ]

    @Test(arguments: malformed)
    func malformedLinesAreRejectedAsAWhole(name: String, line: String) {
        guard case .rejected(let errors)? = Fixture.registry?.process(line: Array(line.utf8), contract: .pocm, context: Fixture.context()) else {
            Issue.record("\(name) was not rejected")
            return
        }
        #expect(errors.map(\.field) == [""], "\(errors.map(\.pair))")
    }

    /// A fault inside a string value is the value's: reported at its JSON Pointer, like any rule.
    static let badStrings: [(name: String, line: String, field: String)] = [
        ("invalid UTF-8", "{\"type\":\"c\u{FFFD}\"}", "/type"),
        ("nul escape", #"{"type":"search","data":{"query":"a\u0000b"}}"#, "/data/query"),
        ("lone surrogate", #"{"type":"cart","data":{"cart_id":"\ud800"}}"#, "/data/cart_id"),
        ("raw control character", "{\"type\":\"ca\u{01}rt\"}", "/type"),
        ("in an array item", #"{"type":"cart","data":{"items_added":[{"sku":"x"},{"sku":"a\u0000"}]}}"#, "/data/items_added/1/sku"),
        ("in a key", #"{"type":"cart","data":{"ca\u0000rt":1}}"#, "/data"),
        ("escaped key", #"{"type":"cart","data":{"a\/b~":{"c":"\u0000"}}}"#, "/data/a~1b~0/c"),
    ]

    @Test(arguments: badStrings)
    func faultsInsideStringsNameTheirField(name: String, line: String, field: String) {
        var bytes = Array(line.utf8)
        if name == "invalid UTF-8", let index = bytes.firstIndex(of: 0xEF) {
            bytes.replaceSubrange(index..<(index + 3), with: [0xC0, 0xAF]) // overlong '/'
        }
        guard case .rejected(let errors)? = Fixture.registry?.process(line: bytes, contract: .pocm, context: Fixture.context()) else {
            Issue.record("\(name) was not rejected")
            return
        }
        #expect(errors.map(\.field) == [field], "\(name): \(errors.map(\.pair))")
    }

    @Test("an event without its type also hears of the other missing required fields", arguments: [
        (Contract.pocm, #"{"occurred_at":"2026-11-10T10:00:00Z","data":{}}"#, ["/type", "/producer", "/source_service"]),
        (Contract.recs, #"{"timestamp":"2026-11-10T10:00:00Z"}"#, ["/eventType", "/eventId", "/metadata"]),
        (Contract.platform, #"{"user_id":"u1"}"#, ["/event_name", "/event_id", "/timestamp"]),
    ])
    func missingTypeReportsTheRest(contract: Contract, line: String, fields: [String]) {
        let reported = Fixture.errors(line, contract).map(\.field)
        #expect(Set(fields).isSubset(of: Set(reported)), "\(contract): \(reported)")
    }

    @Test func nestingDeeperThanTheLimitIsRejected() {
        var context = Fixture.context()
        context.limits.maxDepth = 8
        let deep = #"{"type":"cart","data":"# + String(repeating: #"{"a":"#, count: 10) + "1" + String(repeating: "}", count: 11)
        let errors = Fixture.errors(deep, .pocm, context)
        #expect(errors.first?.message.contains("nesting deeper than 8") == true)
    }

    @Test func linesOverTheSizeLimitAreRejected() {
        var context = Fixture.context()
        context.limits.maxLineBytes = 100
        let errors = Fixture.errors(Fixture.validLine(.pocm, "cart"), .pocm, context)
        #expect(errors.first?.message.contains("the limit is 100 bytes") == true)
    }

    @Test func errorsAreCappedAndCounted() {
        var context = Fixture.context()
        context.maxErrorsPerEvent = 2
        let errors = Fixture.errors(#"{"data":{}}"#, .pocm, context)
        #expect(errors.count == 3)
        #expect(errors.last?.message.contains("more error(s) not shown") == true)
    }

    @Test func duplicateKnownKeysAreRejected() {
        let line = Fixture.validLine(.pocm, "cart").replacingOccurrences(of: #""producer":"web""#, with: #""producer":"web","producer":"api""#)
        #expect(Fixture.errors(line).contains { $0.field == "/producer" && $0.message == "duplicate key" })
    }

    @Test func pointerEscapesSlashAndTilde() {
        let line = Self.pocm("cart", data: ["a/b~c": ["x": 1]]).replacingOccurrences(of: #""cart_id":"value""#, with: #""cart_id":5"#)
        #expect(Fixture.errors(line).map(\.field) == ["/data/cart_id"])
        let view = #"{"k/~":[0,{"x":true}]}"#
        var bytes = Array(view.utf8)
        let pointer: String = bytes.withUnsafeMutableBytes { raw in
            guard case .success(let tape) = JSONTapeReader.read(UnsafeRawBufferPointer(raw), maxDepth: 8), let base = raw.baseAddress else { return "" }
            return tape.tokens.withUnsafeBufferPointer { tokens in
                JSONPointer.path(to: 6, in: JSONView(bytes: UnsafePointer(base.assumingMemoryBound(to: UInt8.self)), tokens: tokens))
            }
        }
        #expect(pointer == "/k~1~0/1/x")
    }
}
