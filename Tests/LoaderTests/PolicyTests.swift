import Foundation
import Loader
import Postgres
import Testing
import TestSupport

@Suite("sluice load: policies from their tables")
struct PolicyTests {
    static func lines(users: Int, perUser: Int, keyPrefix: String = "") -> [String] {
        var lines: [String] = []
        for user in 0..<users {
            for event in 0..<perUser {
                lines.append(LoaderFixture.cartLine(key: "\(keyPrefix)u\(user)-e\(event)", day: event % 20 + 1, user: "user-\(user)"))
            }
        }
        return lines
    }

    static func execute(_ url: String, _ sql: String) async throws {
        let connection = try await PostgresConnection.connect(url)
        try await connection.execute(unsafeSQL: sql)
        await connection.close()
    }

    @Test("a keep-rate samples whole users deterministically, and every sampled-out event is counted")
    func sampling() async throws {
        let lines = Self.lines(users: 200, perUser: 5)
        let input = try LoaderFixture.writeInput(lines)
        try await LoaderFixture.withMigratedDatabase { url in
            try await Self.execute(url, "INSERT INTO sampling_rules (contract, event_type, keep_rate) VALUES ('pocm', 'cart', 0.5)")
            let summary = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            #expect(summary.read == 1_000)
            #expect(summary.loaded + summary.sampledOut == 1_000)
            #expect(summary.sampledOut > 250 && summary.sampledOut < 750, "keep-rate 0.5 kept \(summary.loaded) of 1000")
            // Whole journeys: each user has all 5 events or none.
            let partial = try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM (SELECT user_id FROM events GROUP BY user_id HAVING count(*) <> 5) AS p")
            #expect(partial == 0)
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM events") == summary.loaded)
            // The same users again, in a second file: the same decision (deterministic).
            let again = try LoaderFixture.writeInput(Self.lines(users: 200, perUser: 5, keyPrefix: "again-"))
            let second = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [again.path]))
            #expect(second.loaded == summary.loaded)
        }
    }

    @Test("opted-out users' events are flagged by default, dropped and counted when the policy says drop")
    func optOut() async throws {
        let lines = Self.lines(users: 10, perUser: 3)
        let input = try LoaderFixture.writeInput(lines)
        try await LoaderFixture.withMigratedDatabase { url in
            try await Self.execute(url, "INSERT INTO personalization_opt_outs (tenant_id, user_id) VALUES ('default', 'user-3'), ('default', 'user-7')")
            let flagged = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            #expect(flagged.loaded == 30)
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM events WHERE 'opted_out' = ANY(flags)") == 6)
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM events WHERE 'opted_out' = ANY(flags) AND user_id NOT IN ('user-3', 'user-7')") == 0)

            try await Self.execute(url, "UPDATE privacy_policies SET opt_out_action = 'drop' WHERE tenant_id = '*'")
            let dropped = try LoaderFixture.writeInput(Self.lines(users: 10, perUser: 3, keyPrefix: "d-"))
            let summary = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [dropped.path]))
            #expect(summary.read == 30)
            #expect(summary.loaded == 24)
            #expect(summary.sampledOut == 6)
        }
    }

    @Test("a tenant's own privacy row overrides the default: strip instead of hash")
    func tenantPrivacyOverride() async throws {
        let month = LoaderFixture.previousMonthPrefix()
        let line = #"{"event_type":"user_profile_update","payload":{"userId":"user-1","email":"jane@example.com","lastSeenAt":"\#(month)-10T10:00:00Z"}}"#
        let input = try LoaderFixture.writeInput([line])
        try await LoaderFixture.withMigratedDatabase { url in
            try await Self.execute(url, "INSERT INTO privacy_policies (tenant_id, pii_action) VALUES ('default', 'strip')")
            var options = LoaderFixture.options(url, inputs: [input.path])
            options.contract = .ingestionAPI
            options.privacy.piiHashSecret = Array("secret".utf8)  // would hash, but the tenant's row says strip
            let summary = try await LoaderFixture.load(options)
            #expect(summary.loaded == 1)
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM events WHERE data_json ? 'email'") == 0)
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM events WHERE data_json::text LIKE '%jane%'") == 0)
        }
    }
}
