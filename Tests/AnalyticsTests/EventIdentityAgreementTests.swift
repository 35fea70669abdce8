import EventContracts
import Foundation
@testable import Loader
import Postgres
import SampleEvents
import Testing
import TestSupport

/// The loader recognizes an erased subject's events in Swift (EventIdentity), the refresh and the
/// erasure in SQL (analytics.event_identities): they must read every event the same way, or an
/// erased person's replayed event could slip through.
@Suite("who an event is about: the loader's reading equals analytics.event_identities")
struct EventIdentityAgreementTests {
    @Test("for generated events of every contract, with blocked values mixed in")
    func agreement() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            let registry = try AnalyticsFixture.registry.get()
            var context = NormalizationContext(tenantId: "acme")
            context.privacy.medicalKey = MedicalFieldKey(id: "test", bytes: Array(repeating: 7, count: 32))
            context.privacy.piiHashSecret = Array("test-secret".utf8)
            var expected: [String: (String?, String?, String?)] = [:]
            for contract in Contract.allCases {
                let generator = try EventGenerator(options: .init(contract: contract, seed: 11, tenantId: "acme", days: 10,
                                                                  now: NormalizationContext.nowMicroseconds() - 3_600_000_000))
                var lines = (0..<300).map { String(decoding: generator.line($0), as: UTF8.self) }
                // Blocked user ids and aliases: they name nobody, on both sides.
                for (index, blocked) in ["anonymous", "NULL", " 0 ", "undefined"].enumerated() {
                    lines[index * 7] = lines[index * 7]
                        .replacingOccurrences(of: #"("user_id"|"userId"|"session_id"|"anonId"|"profileId"):"[^"]*""#,
                                              with: "$1:\"\(blocked)\"", options: .regularExpression)
                }
                for line in lines {
                    guard case .accepted(let event) = registry.process(line: Array(line.utf8), contract: contract, context: context),
                          let key = event.idempotencyKey else { continue }
                    let identity = EventIdentity(event, contract: contract, blocked: SuppressionList.builtInBlocked)
                    expected["\(contract.rawValue)\u{0}\(key)"] = (identity.user, identity.aliasKind, identity.alias)
                }
                try await AnalyticsFixture.load(url, lines, contract: contract)
            }
            let rows = try await AnalyticsFixture.query(url, """
                SELECT e.contract, e.idempotency_key, i.own_user_id, i.alias_kind, i.alias
                FROM events AS e JOIN analytics.event_identities AS i ON i.tenant_id = e.tenant_id AND i.id = e.id
                """)
            #expect(rows.count > 1_000)
            var compared = 0
            for row in rows {
                let key = "\(try row.decode("contract", as: String.self))\u{0}\(try row.decode("idempotency_key", as: String.self))"
                guard let swift = expected[key] else { continue }
                compared += 1
                let sql = (try row.decode("own_user_id", as: String?.self), try row.decode("alias_kind", as: String?.self),
                           try row.decode("alias", as: String?.self))
                #expect(swift == sql, "\(key.replacingOccurrences(of: "\u{0}", with: " ")): Swift \(swift), SQL \(sql)")
            }
            #expect(compared == rows.count, "every loaded event compared (\(compared) of \(rows.count))")
            // The built-in blocked values are the SQL function's.
            let builtIn = try await AnalyticsFixture.query(url, "SELECT unnest(analytics.blocked_identities()) AS v").map { try $0.decode("v", as: String.self) }
            #expect(Set(builtIn) == SuppressionList.builtInBlocked)
        }
    }
}
