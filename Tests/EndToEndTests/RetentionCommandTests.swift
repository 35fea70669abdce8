import Foundation
import Postgres
import Testing
import TestSupport

/// `sluice retention hold|holds|release|apply` over the built binary, as compliance staff run them.
@Suite("sluice retention, end to end", .serialized)
struct RetentionCommandTests {
    static func environment(_ url: String, as role: TestRole) -> [String: String] {
        ["DATABASE_URL": TestDatabase.url(url, as: role), "SLUICE_PII_HASH_SECRET": "e2e-retention-secret"]
    }

    static func json(_ text: String) throws -> [String: Any] {
        let line = try #require(text.split(separator: "\n").last)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test("hold, holds, apply --dry-run and apply, release: JSON a script can read, the held user's old events kept, every step audited")
    func holdApplyRelease() async throws {
        try await TestDatabase.withMigrated { url in
            // Two users' views of one month twelve years ago, written as the owner.
            let admin = try await PostgresConnection.connect(url)
            try await admin.execute(unsafeSQL: """
                BEGIN; SELECT public.sluice_ensure_event_partition(now() - interval '12 years');
                SELECT set_config('sluice.tenant', 'acme', true);
                INSERT INTO events (type, occurred_at, user_id, tenant_id, data_json, contract)
                SELECT 'view', date_trunc('month', now() - interval '12 years') + n * interval '1 hour', u, 'acme', '{}', 'recs'
                FROM generate_series(1, 3) AS n, unnest(ARRAY['alice', 'bob']) AS u;
                COMMIT
                """)
            let compliance = Self.environment(url, as: .compliance)

            let hold = try await SluiceCLI.run(["retention", "hold", "--tenant", "acme", "--user", "alice", "--reason", "litigation 2026-17",
                                                "--actor", "counsel", "--json"], environment: compliance)
            #expect(hold.status == 0, "\(hold.combined)")
            let holdID = try #require(try Self.json(hold.stdout)["id"] as? Int)

            let listed = try await SluiceCLI.run(["retention", "holds", "--json"], environment: compliance)
            #expect(listed.status == 0, "\(listed.combined)")
            let holds = try #require(try Self.json(listed.stdout)["holds"] as? [[String: Any]])
            #expect(holds.map { $0["id"] as? Int } == [holdID])
            #expect(holds.first?["user_id"] as? String == "alice")

            let dry = try await SluiceCLI.run(["retention", "apply", "--dry-run", "--json"], environment: compliance)
            #expect(dry.status == 0, "\(dry.combined)")
            let plan = try Self.json(dry.stdout)
            #expect(plan["status"] as? String == "dry-run")
            #expect((plan["counts"] as? [String: Int])?["events"] == 3)
            let month = try #require((plan["partitions"] as? [[String: Any]])?.first { ($0["rows"] as? Int) == 6 })
            #expect(month["held"] as? Int == 3)
            #expect(month["action"] as? String == "delete")

            let applied = try await SluiceCLI.run(["retention", "apply", "--json", "--actor", "retention job"], environment: compliance)
            #expect(applied.status == 0, "\(applied.combined)")
            #expect((try Self.json(applied.stdout)["counts"] as? [String: Int])?["events"] == 3)
            let left = try await admin.query("SELECT array_agg(DISTINCT user_id) AS users, count(*)::int AS n FROM events")[0]
            #expect(try left.decode("n", as: Int.self) == 3)
            #expect(try left.decode("users", as: [String].self) == ["alice"])

            let released = try await SluiceCLI.run(["retention", "release", String(holdID), "--tenant", "acme", "--json"], environment: compliance)
            #expect(released.status == 0, "\(released.combined)")
            #expect(try Self.json(released.stdout)["active"] as? Bool == false)
            let again = try await SluiceCLI.run(["retention", "release", String(holdID), "--tenant", "acme"], environment: compliance)
            #expect(again.status != 0)
            #expect(again.stderr.contains("already released"), "\(again.combined)")

            // Not compliance staff: refused with advice.
            let loader = try await SluiceCLI.run(["retention", "apply"], environment: Self.environment(url, as: .loader))
            #expect(loader.status != 0)
            #expect(loader.stderr.contains("sluice_compliance"), "\(loader.combined)")

            let audited = try await admin.query("""
                SELECT array_agg(DISTINCT action ORDER BY action) AS actions FROM compliance_audit_logs WHERE action LIKE 'retention.%'
                """)[0].decode("actions", as: [String].self)
            #expect(audited == ["retention.apply", "retention.apply.dry_run", "retention.hold", "retention.release"])
            await admin.close()
        }
    }
}
