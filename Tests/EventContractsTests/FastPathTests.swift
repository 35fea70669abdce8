@testable import EventContracts
import Foundation
import Testing

/// The validator's shortcuts (privacy rewrite skipped after a clean schema walk, word-at-a-time key
/// shapes, one-pass member lookup) must decide exactly as the long way does.
@Suite struct FastPathTests {
    static func cart(_ data: String) -> String {
        #"{"type":"cart","occurred_at":"2024-05-01T10:00:00Z","producer":"web","source_service":"svc","user_id":"u-1","data":"# + data + "}"
    }

    @Test func payloadWithoutPrivacyKeysIsCopiedUnchanged() {
        let data = #"{"cart_id":"c","action":"cart_viewed","cart_total":{"amount":1.5,"currency":"INR"},"cart_abandonment_duration":"PT1M","coupon_code":"SAVE10","device":{"platform":"web","user_agent":"x","screen_resolution":"1x1"}}"#
        let event = Fixture.accepted(Self.cart(data))
        #expect(event.map { String(decoding: $0.payload, as: UTF8.self) } == data)
        #expect(event?.flags == [])
    }

    @Test func privacyKeyInsideAnObjectTheSchemaDoesNotDescribeIsStillHashed() {
        let event = Fixture.accepted(Self.cart(#"{"cart_id":"c","action":"cart_viewed","cart_total":{"amount":1.5,"currency":"INR"},"cart_abandonment_duration":"PT1M","extra":{"contact_email":"a@b.co"}}"#))
        let extra = PrivacyTests.payload(event)["extra"] as? [String: Any] ?? [:]
        #expect((extra["contact_email"] as? String)?.hasPrefix("hmac-sha256:") == true)
        #expect(event?.flags.contains("pii_hashed") == true)
    }

    @Test func undeclaredPrivacyKeyInADeclaredObjectIsStillHashed() {
        let data = #"{"cart_id":"c","action":"cart_viewed","cart_total":{"amount":1.5,"currency":"INR"},"cart_abandonment_duration":"PT1M","device":{"platform":"web","user_agent":"x","screen_resolution":"1x1","Phone-Number":"+91 98765 43210"}}"#
        let device = PrivacyTests.payload(Fixture.accepted(Self.cart(data)))["device"] as? [String: Any] ?? [:]
        #expect((device["Phone-Number"] as? String)?.hasPrefix("hmac-sha256:") == true)
    }

    @Test func escapedPrivacyKeyIsStillHashed() {
        let event = Fixture.accepted(Self.cart(#"{"cart_id":"c","action":"cart_viewed","cart_total":{"amount":1.5,"currency":"INR"},"cart_abandonment_duration":"PT1M","em\u0061il":"a@b.co"}"#))
        #expect((PrivacyTests.payload(event)["email"] as? String)?.hasPrefix("hmac-sha256:") == true)
    }

    @Test func privacyKeyInsideAnArrayWithoutItemSchemaIsStillHashed() {
        let event = Fixture.accepted(Self.cart(#"{"cart_id":"c","action":"cart_viewed","cart_total":{"amount":1.5,"currency":"INR"},"cart_abandonment_duration":"PT1M","notes":[{"email":"a@b.co"}]}"#))
        let notes = PrivacyTests.payload(event)["notes"] as? [[String: Any]] ?? []
        #expect((notes.first?["email"] as? String)?.hasPrefix("hmac-sha256:") == true)
    }

    @Test func ipv4TruncationWritesTheSlash24OrNothing() {
        let cases: [(String, String?)] = [
            ("203.0.113.7", "203.0.113.0"), ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.0"),
            ("010.001.099.5", "10.1.99.0"), ("9.99.199.249", "9.99.199.0"), ("1.2.3", nil), ("1.2.3.4.5", nil), ("256.1.1.1", nil),
            ("1..2.3", nil), (".1.2.3", nil), ("1.2.3.", nil), ("1.2.3.4444", nil), ("a.b.c.d", nil), ("", nil), ("2001:db8::1", nil),
        ]
        for (input, expected) in cases {
            Array(input.utf8).withUnsafeBufferPointer { text in
                // The fast path's bytes and the general path's string say the same.
                #expect(IPAddressTruncation.quotedTruncatedIPv4(text) == expected.map { Array("\"\($0)\"".utf8) }, "\(input)")
                if expected != nil { #expect(IPAddressTruncation.truncate(text) == expected, "\(input)") }
            }
        }
        #expect(Array("2001:db8::1".utf8).withUnsafeBufferPointer(IPAddressTruncation.truncate) == "2001:db8:0::")
    }

    @Test func codeBitTablesAgreeWithTheCodeLists() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZa0".utf8)
        for first in alphabet {
            for second in alphabet {
                let pair = [first, second]
                let packedPair = UInt32(first) << 8 | UInt32(second)
                #expect(pair.withUnsafeBufferPointer { CodeLists.countryBits.contains($0) } == CodeLists.countries.contains(packedPair))
                for third in alphabet {
                    let triple = [first, second, third]
                    let packed = packedPair << 8 | UInt32(third)
                    #expect(triple.withUnsafeBufferPointer { CodeLists.currencyBits.contains($0) } == CodeLists.currencies.contains(packed))
                }
            }
        }
    }

    @Test func wordAtATimeKeyShapeEqualsByteByByteShape() {
        let keys = ["", "a", "ip", "IP", "_ip_", "email", "E_Mail", "e-mail", "__", "-_-", "phone_number", "PhoneNumber",
                    "contact_phone_", "a_b_c_d_e_f_g_h_i", "patient_demographics", "x________________y", "customAttributes",
                    "caf\u{E9}_id", "0123456789abcdef0123"]
        for key in keys {
            for padding in 0..<9 {
                // The key at varying offsets, followed by what follows a key in a line.
                let line = Array(String(repeating: " ", count: padding).utf8) + [0x22] + Array(key.utf8) + Array(#"":1}"#.utf8)
                line.withUnsafeBufferPointer { buffer in
                    guard let base = buffer.baseAddress else { return }
                    let name = UnsafeBufferPointer(start: base + padding + 1, count: key.utf8.count)
                    let fast = NameMatcher.shape(name, readableEnd: base + buffer.count)
                    #expect(fast == NameMatcher.shape(name), "\(key) at \(padding)")
                }
            }
        }
    }

    @Test func lengthLimitsCountCharactersNotBytesAtEveryBoundary() {
        // Limits 2...3 characters; UTF-8 of 1 to 4 bytes per character, so the byte count alone
        // (which the check uses to skip counting when it can) never decides wrongly.
        var builder = SchemaStoreBuilder()
        var node = SchemaNode()
        node.types = .string
        node.minLength = 2
        node.maxLength = 3
        builder.nodes.append(node)
        let store = SchemaStore(builder: builder)
        let cases: [(String, StringRuleOutcome)] = [
            ("", .tooShort), ("a", .tooShort), ("é", .tooShort), ("😀", .tooShort), ("ab", .valid), ("éé", .valid),
            ("😀😀", .valid), ("abc", .valid), ("a😀é", .valid), ("😀😀😀", .valid), ("abcd", .tooLong), ("éééé", .tooLong),
            ("😀😀😀😀", .tooLong), ("aé😀b", .tooLong),
        ]
        for (text, expected) in cases {
            let outcome = Array(text.utf8).withUnsafeBufferPointer { store.checkString(store.nodes.baseAddress!, 0, $0) }
            #expect("\(outcome)" == "\(expected)", "\(text)")
        }
    }

    @Test func anEventAndItsVerdictStayWithin128Bytes() {
        // Larger values are moved with calls to memcpy (CanonicalEvent's layout comment; ~3 %).
        #expect(MemoryLayout<CanonicalEvent>.size <= 128, "CanonicalEvent is \(MemoryLayout<CanonicalEvent>.size) bytes")
        #expect(MemoryLayout<Verdict>.size <= 128, "Verdict is \(MemoryLayout<Verdict>.size) bytes")
    }

    @Test func wordAtATimeUUIDCheckEqualsByteByByteCheck() {
        func reference(_ text: [UInt8]) -> Bool {
            text.count == 36 && text.enumerated().allSatisfy { index, byte in
                [8, 13, 18, 23].contains(index) ? byte == UInt8(ascii: "-")
                    : (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
            }
        }
        let valid = Array("123e4567-E89B-12d3-a456-426614174000".utf8)
        var checked = 0
        // Every byte value at every position of a valid UUID (and a few lengths).
        for position in valid.indices {
            for value in 0...255 {
                var text = valid
                text[position] = UInt8(value)
                let fast = text.withUnsafeBufferPointer { StringFormat.isUUID($0) }
                #expect(fast == reference(text), "byte \(value) at \(position)")
                checked += 1
            }
        }
        for text in [Array(valid.dropLast()), valid + [0x30], []] {
            #expect(text.withUnsafeBufferPointer { StringFormat.isUUID($0) } == false)
        }
        #expect(valid.withUnsafeBufferPointer { StringFormat.isUUID($0) })
        #expect(checked == 36 * 256)
    }

    @Test func memberNamesFindsTheLastOccurrenceAndEscapedKeys() {
        let text = #"{"b":1,"a":2,"\u0062":3,"c":{"a":4},"long_name_here":5}"#
        let names = MemberNames(["a", "b", "c", "long_name_here", "missing"])
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            guard case .success(let tape) = JSONTapeReader.read(UnsafeRawBufferPointer(raw), maxDepth: 8),
                  let base = raw.baseAddress else {
                Issue.record("tape")
                return
            }
            tape.tokens.withUnsafeBufferPointer { tokens in
                let view = JSONView(bytes: base.assumingMemoryBound(to: UInt8.self), tokens: tokens)
                let slots = names.find(in: view, object: 0)
                for (slot, name) in ["a", "b", "c", "long_name_here", "missing"].enumerated() {
                    #expect(slots.token(slot) == view.memberForTest(name), "\(name)")
                }
                #expect(slots.token(1).map { view.double($0) } == 3) // "\u0062" is b, and it comes last
                #expect(slots.token(4) == nil)
            }
        }
    }
}

extension JSONView {
    /// ``member(_:_:)`` of the root object for a runtime name (the long way, one scan per name).
    func memberForTest(_ name: String) -> Int? {
        var found: Int?
        forEachMember(0) { key, value in
            if Array(name.utf8).withUnsafeBufferPointer({ stringEquals(key, $0) }) { found = value }
        }
        return found
    }
}
