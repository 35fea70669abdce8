import Compliance
import Foundation
import Postgres
import Testing
import TestSupport

/// `sluice audit verify|list` and audit retention, against tampering done by hand as the owner
/// (the only role that can write the audit log at all).
@Suite("the audit trail: verify names the first broken row, list filters, retention prunes behind a signed checkpoint")
struct AuditTrailTests {
    /// Appends `count` entries as compliance staff, alternating tenant_a and tenant_b; entry i has
    /// resource "entry i", action gdpr.find (even) or gdpr.export (odd), actor alice or bob.
    static func appendEntries(_ url: String, count: Int) async throws {
        let connection = try await ComplianceFixture.compliance(url)
        for index in 0..<count {
            let tenant = index % 2 == 0 ? "tenant_a" : "tenant_b"
            var entry = AuditEntry(tenant: tenant, action: index % 4 < 2 ? "gdpr.find" : "gdpr.export", resource: "entry \(index)",
                                   actor: index % 3 == 0 ? "alice" : "bob", classification: "pii")
            entry.rowCounts = ["events": Int64(index)]
            let appended = entry
            try await ComplianceSession.withTenant(connection, tenant) { connection in
                _ = try AuditLog.append(appended, on: connection)
            }
        }
        await connection.close()
    }

    static func verify(_ url: String, tenant: String? = nil, batchSize: Int = 7) async throws -> AuditVerifier.Report {
        let connection = try await ComplianceFixture.compliance(url)
        let report = try await AuditVerifier(batchSize: batchSize).verify(tenant: tenant, on: connection)
        await connection.close()
        return report
    }

    static func id(_ owner: PostgresConnection, _ tenant: String, _ seq: Int64) async throws -> Int64 {
        try await owner.query("SELECT id FROM compliance_audit_logs WHERE tenant_id = \(tenant) AND chain_seq = \(seq)")[0].decode("id", as: Int64.self)
    }

    /// As the owner, moves the first `through` rows of `tenant`'s chain `days` into the past and
    /// rewrites the whole chain and its head consistently (what only the owner can do, and what no
    /// verification inside the database can tell from the truth): old rows for retention to prune.
    static func backdate(_ owner: PostgresConnection, _ tenant: String, through: Int64, days: Int) async throws {
        try await owner.query("""
            UPDATE compliance_audit_logs SET "timestamp" = "timestamp" - make_interval(days => \(Int32(days)))
            WHERE tenant_id = \(tenant) AND chain_seq <= \(through)
            """)
        let checkpoint = try await owner.query("""
            SELECT through_seq, through_hash FROM sluice_private.audit_checkpoints WHERE tenant_id = \(tenant) ORDER BY through_seq DESC LIMIT 1
            """).first
        var previous = try checkpoint?.decode("through_hash", as: PostgresBytes.self) ?? PostgresBytes([UInt8](repeating: 0, count: 32))
        let seqs = try await owner.query("SELECT chain_seq FROM compliance_audit_logs WHERE tenant_id = \(tenant) ORDER BY chain_seq")
            .map { try $0.decode("chain_seq", as: Int64.self) }
        for seq in seqs {
            previous = try await owner.query("""
                UPDATE compliance_audit_logs AS a SET prev_hash = \(previous),
                       row_hash = sha256(\(previous) || convert_to(sluice_audit_canonical(a.tenant_id, a.chain_seq, a."timestamp", a.user_id, a.actor,
                           a.action, a.resource, a.ip_address, a.user_agent, a.data_classification, a.flags, a.row_counts, a.details), 'UTF8'))
                WHERE a.tenant_id = \(tenant) AND a.chain_seq = \(seq) RETURNING a.row_hash
                """)[0].decode("row_hash", as: PostgresBytes.self)
        }
        try await owner.query("UPDATE sluice_private.audit_chain_heads SET last_hash = \(previous) WHERE tenant_id = \(tenant)")
    }

    static func prune(_ url: String, dryRun: Bool = false) async throws -> AuditPruneReport {
        let connection = try await ComplianceFixture.compliance(url)
        do {
            let report = try await AuditLog.pruneExpired(on: connection, dryRun: dryRun, actor: "retention")
            await connection.close()
            return report
        } catch {
            await connection.close()
            throw error
        }
    }

    @Test("a clean chain of 300 entries in two tenants verifies, read 7 rows at a time")
    func cleanChainVerifies() async throws {
        try await TestDatabase.withMigrated { url in
            try await Self.appendEntries(url, count: 300)
            let report = try await Self.verify(url)
            #expect(report.ok, "\(report.problems)")
            #expect(report.rows == 300)
            #expect(report.chains.map(\.tenant) == ["tenant_a", "tenant_b"])
            #expect(report.chains.map(\.head_seq) == [150, 150])
            let one = try await Self.verify(url, tenant: "tenant_b", batchSize: 5_000)
            #expect(one.ok && one.rows == 150 && one.chains.count == 1)
        }
    }

    @Test("verify run while appends commit sees one snapshot: never a false alarm, and every chain it reports is whole")
    func verifyDuringAppends() async throws {
        try await TestDatabase.withMigrated { url in
            try await Self.appendEntries(url, count: 20)
            let verdicts = try await withThrowingTaskGroup(of: [AuditVerifier.Report].self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await Self.appendEntries(url, count: 60)
                        return []
                    }
                }
                group.addTask {
                    var reports: [AuditVerifier.Report] = []
                    for _ in 0..<15 { reports.append(try await Self.verify(url, batchSize: 3)) }
                    return reports
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(verdicts.count == 15)
            for report in verdicts {
                #expect(report.ok, "\(report.problems)")
                #expect(report.rows == report.chains.reduce(0) { $0 + $1.head_seq }, "rows seen and heads from different moments")
            }
            #expect(try await Self.verify(url).rows == 140)
        }
    }

    @Test("an UPDATE of one row's resource, by the owner, is named: that row, changed")
    func changedRowIsNamed() async throws {
        try await TestDatabase.withMigrated { url in
            try await Self.appendEntries(url, count: 40)
            let owner = try await PostgresConnection.connect(url)
            let id = try await Self.id(owner, "tenant_a", 13)
            try await owner.query("UPDATE compliance_audit_logs SET resource = 'nothing to see' WHERE id = \(id)")
            // A later row changed too: only the first is named.
            try await owner.query("UPDATE compliance_audit_logs SET actor = 'someone@else' WHERE tenant_id = 'tenant_a' AND chain_seq = 17")
            await owner.close()
            let report = try await Self.verify(url)
            #expect(!report.ok)
            #expect(report.problems == [AuditVerifier.Problem(tenant: "tenant_a", chain_seq: 13, id: id, kind: .changed,
                                                             message: "row id \(id) at position 13 was changed: its content no longer hashes to its row_hash")])
            #expect(report.chains.first { $0.tenant == "tenant_b" }?.ok == true)
        }
    }

    @Test("a DELETE of a middle row is named as the gap; a DELETE of the last row is found through the chain's head")
    func deletedRowsAreNamed() async throws {
        try await TestDatabase.withMigrated { url in
            try await Self.appendEntries(url, count: 40)
            let owner = try await PostgresConnection.connect(url)
            try await owner.query("DELETE FROM compliance_audit_logs WHERE tenant_id = 'tenant_a' AND chain_seq = 8")
            try await owner.query("DELETE FROM compliance_audit_logs WHERE tenant_id = 'tenant_b' AND chain_seq = 20")
            await owner.close()
            let report = try await Self.verify(url)
            #expect(report.problems.map(\.tenant) == ["tenant_a", "tenant_b"])
            #expect(report.problems.map(\.kind) == [.deleted, .deleted])
            #expect(report.problems.map(\.chain_seq) == [8, 20])
            #expect(report.problems.first?.message.contains("position 8 is missing") == true, "\(report.problems)")
            #expect(report.problems.last?.message.contains("its head is at 20") == true, "\(report.problems)")
        }
    }

    @Test("rows inserted by hand are named: one without a chain position, one with a forged position and hashes past the head, one that does not link")
    func insertedRowsAreNamed() async throws {
        try await TestDatabase.withMigrated { url in
            try await Self.appendEntries(url, count: 20)
            let owner = try await PostgresConnection.connect(url)
            // 1. No chain position at all (the pre-chain way of writing the log).
            let loose = try await owner.query("""
                INSERT INTO compliance_audit_logs (tenant_id, action, resource) VALUES ('tenant_a', 'gdpr.find', 'forged') RETURNING id
                """)[0].decode("id", as: Int64.self)
            var report = try await Self.verify(url, tenant: "tenant_a")
            #expect(report.problems.map(\.kind) == [.inserted])
            #expect(report.problems.first?.id == loose)
            try await owner.query("DELETE FROM compliance_audit_logs WHERE id = \(loose)")
            #expect(try await Self.verify(url).ok)

            // 2. The next position, linked to the last row and hashed exactly as the append function
            // would — but not through it: the head does not know it.
            let forged = try await owner.query("""
                INSERT INTO compliance_audit_logs (tenant_id, "timestamp", actor, action, resource, data_classification, flags, chain_seq, prev_hash, row_hash)
                SELECT 'tenant_a', now(), 'me@x', 'gdpr.find', 'forged', 'pii', '{}', 11, last.row_hash,
                       sha256(last.row_hash || convert_to(sluice_audit_canonical('tenant_a', 11, now(), NULL, 'me@x', 'gdpr.find', 'forged', NULL, NULL,
                                                                          'pii', '{}', '{}', '{}'), 'UTF8'))
                FROM compliance_audit_logs AS last WHERE last.tenant_id = 'tenant_a' AND last.chain_seq = 10
                RETURNING id
                """)[0].decode("id", as: Int64.self)
            report = try await Self.verify(url, tenant: "tenant_a")
            #expect(report.problems.map(\.kind) == [.inserted])
            #expect(report.problems.first?.id == forged && report.problems.first?.chain_seq == 11, "\(report.problems)")
            #expect(report.problems.first?.message.contains("beyond the chain's head") == true)

            // 3. A row slipped into a deleted row's place with a self-consistent hash but the wrong link.
            try await owner.query("DELETE FROM compliance_audit_logs WHERE id = \(forged)")
            try await owner.query("DELETE FROM compliance_audit_logs WHERE tenant_id = 'tenant_b' AND chain_seq = 5")
            let slipped = try await owner.query("""
                INSERT INTO compliance_audit_logs (tenant_id, "timestamp", actor, action, resource, data_classification, flags, chain_seq, prev_hash, row_hash)
                VALUES ('tenant_b', now(), 'me@x', 'gdpr.find', 'forged', 'pii', '{}', 5, sha256('x'::bytea),
                        sha256(sha256('x'::bytea) || convert_to(sluice_audit_canonical('tenant_b', 5, now(), NULL, 'me@x', 'gdpr.find', 'forged', NULL, NULL,
                                                                              'pii', '{}', '{}', '{}'), 'UTF8')))
                RETURNING id
                """)[0].decode("id", as: Int64.self)
            await owner.close()
            report = try await Self.verify(url)
            #expect(report.problems == [AuditVerifier.Problem(tenant: "tenant_b", chain_seq: 5, id: slipped, kind: .inserted,
                                                             message: "row id \(slipped) at position 5 does not link to position 4 (its prev_hash differs): inserted or reordered")])
        }
    }

    @Test("list: newest first, filtered by tenant, actor (name or name@login), action family, time, and limited")
    func listFilters() async throws {
        try await TestDatabase.withMigrated { url in
            try await Self.appendEntries(url, count: 12)
            let connection = try await ComplianceFixture.compliance(url)
            let all = try await AuditLog.list(.init(limit: 100), on: connection)
            #expect(all.map(\.resource) == (0..<12).reversed().map { "entry \($0)" })
            let a = try await AuditLog.list(.init(tenant: "tenant_a", limit: 100), on: connection)
            #expect(a.map(\.resource) == [10, 8, 6, 4, 2, 0].map { "entry \($0)" })
            #expect(a.first?.row_counts == ["events": 10] && a.first?.chain_seq == 6)
            let alice = try await AuditLog.list(.init(actor: "alice", limit: 100), on: connection)
            #expect(alice.map(\.resource) == [9, 6, 3, 0].map { "entry \($0)" })
            let login = TestRole.compliance.rawValue
            #expect(try await AuditLog.list(.init(actor: "alice@\(login)", limit: 100), on: connection).count == 4)
            #expect(try await AuditLog.list(.init(actor: "ali", limit: 100), on: connection).isEmpty, "a prefix of a name is not the name")
            #expect(try await AuditLog.list(.init(actor: "%", limit: 100), on: connection).isEmpty, "no LIKE patterns")
            let exports = try await AuditLog.list(.init(action: "gdpr.export", limit: 100), on: connection)
            #expect(exports.map(\.resource) == [11, 10, 7, 6, 3, 2].map { "entry \($0)" })
            #expect(try await AuditLog.list(.init(action: "gdpr", limit: 100), on: connection).count == 12)
            #expect(try await AuditLog.list(.init(action: "gdp", limit: 100), on: connection).isEmpty)
            #expect(try await AuditLog.list(.init(limit: 3), on: connection).map(\.resource) == ["entry 11", "entry 10", "entry 9"])
            let future = PostgresTimestamp(Date().addingTimeInterval(3_600))
            #expect(try await AuditLog.list(.init(since: future, limit: 100), on: connection).isEmpty)
            let past = PostgresTimestamp(Date().addingTimeInterval(-3_600))
            #expect(try await AuditLog.list(.init(since: past, limit: 100), on: connection).count == 12)
            await connection.close()
        }
    }

    @Test("retention prunes only each chain's expired prefix behind a signed checkpoint and an audit.prune entry; verify passes after it")
    func pruneKeepsVerifyPassing() async throws {
        try await TestDatabase.withMigrated { url in
            try await Self.appendEntries(url, count: 40)
            let owner = try await PostgresConnection.connect(url)
            // tenant_a: rows 1–8 older than the policy (2555 days), then rows 9–20 young; row 11
            // made old as well, after a young row: it must stay (only a prefix goes).
            try await Self.backdate(owner, "tenant_a", through: 8, days: 3_000)
            try await owner.query("UPDATE compliance_audit_logs SET \"timestamp\" = \"timestamp\" - interval '3000 days' WHERE tenant_id = 'tenant_a' AND chain_seq = 11")
            try await Self.backdate(owner, "tenant_a", through: 0, days: 0)
            #expect(try await Self.verify(url).ok)

            let dry = try await Self.prune(url, dryRun: true)
            #expect(dry.chains.map(\.tenant) == ["tenant_a"] && dry.chains.first?.through_seq == 8 && dry.pruned_rows == 8)
            #expect(try await owner.query("SELECT count(*)::int AS n FROM compliance_audit_logs")[0].decode("n", as: Int.self) == 40, "a dry run deleted")

            let report = try await Self.prune(url)
            #expect(report.chains.count == 1)
            let chain = try #require(report.chains.first)
            #expect(chain.tenant == "tenant_a" && chain.through_seq == 8 && chain.pruned_rows == 8 && !chain.held && chain.prune_entry_seq == 21)
            let left = try await owner.query("SELECT min(chain_seq) AS first, count(*)::int AS n FROM compliance_audit_logs WHERE tenant_id = 'tenant_a'")[0]
            #expect(try left.decode("first", as: Int64.self) == 9 && left.decode("n", as: Int.self) == 13)
            let entry = try await owner.query("""
                SELECT details ->> 'through_seq' AS seq, details ->> 'through_hash' AS hash, row_counts ->> 'compliance_audit_logs' AS n, actor
                FROM compliance_audit_logs WHERE tenant_id = 'tenant_a' AND action = 'audit.prune'
                """)[0]
            #expect(try entry.decode("seq", as: String.self) == "8" && entry.decode("hash", as: String.self) == chain.through_hash)
            #expect(try entry.decode("actor", as: String.self) == "retention@\(TestRole.compliance.rawValue)")

            let verified = try await Self.verify(url)
            #expect(verified.ok, "\(verified.problems)")
            #expect(verified.rows == 33 && verified.chains.first?.anchor_seq == 8)
            // Nothing more is due: a second run prunes nothing.
            #expect(try await Self.prune(url).chains.isEmpty)

            // A second prune moves the checkpoint on; verify anchors on the newest.
            try await Self.backdate(owner, "tenant_a", through: 15, days: 3_000)
            let second = try await Self.prune(url)
            #expect(second.chains.first?.through_seq == 15 && second.chains.first?.pruned_rows == 7)
            #expect(try await Self.verify(url).ok)
            await owner.close()
        }
    }

    @Test("tampering after a prune is still found: a changed row, a deleted first row, a deleted or altered checkpoint, a forged signature")
    func tamperingAfterPruneIsFound() async throws {
        try await TestDatabase.withMigrated { url in
            try await Self.appendEntries(url, count: 20)
            let owner = try await PostgresConnection.connect(url)
            try await Self.backdate(owner, "tenant_a", through: 4, days: 3_000)
            _ = try await Self.prune(url)
            #expect(try await Self.verify(url).ok)

            func expectBroken(_ kind: AuditVerifier.ProblemKind, seq: Int64?, _ tamper: String, undo: String,
                              sourceLocation: SourceLocation = #_sourceLocation) async throws {
                try await owner.execute(unsafeSQL: tamper)
                let report = try await Self.verify(url, tenant: "tenant_a")
                #expect(report.problems.map(\.kind) == [kind], "\(tamper): \(report.problems)", sourceLocation: sourceLocation)
                #expect(report.problems.first?.chain_seq == seq, "\(tamper): \(report.problems)", sourceLocation: sourceLocation)
                try await owner.execute(unsafeSQL: undo)
                #expect(try await Self.verify(url).ok, "undo of \(tamper)", sourceLocation: sourceLocation)
            }
            try await expectBroken(.changed, seq: 6, "UPDATE compliance_audit_logs SET resource = 'x' WHERE tenant_id = 'tenant_a' AND chain_seq = 6",
                                   undo: "UPDATE compliance_audit_logs SET resource = 'entry 10' WHERE tenant_id = 'tenant_a' AND chain_seq = 6")
            try await owner.execute(unsafeSQL: "CREATE TABLE saved AS SELECT * FROM compliance_audit_logs WHERE tenant_id = 'tenant_a' AND chain_seq = 5")
            try await expectBroken(.deleted, seq: 5, "DELETE FROM compliance_audit_logs WHERE tenant_id = 'tenant_a' AND chain_seq = 5",
                                   undo: "INSERT INTO compliance_audit_logs SELECT * FROM saved")
            try await owner.execute(unsafeSQL: "CREATE TABLE saved_checkpoint AS SELECT * FROM sluice_private.audit_checkpoints")
            try await expectBroken(.deleted, seq: 1, "DELETE FROM sluice_private.audit_checkpoints",
                                   undo: "INSERT INTO sluice_private.audit_checkpoints SELECT * FROM saved_checkpoint")
            try await expectBroken(.checkpoint, seq: 4, "UPDATE sluice_private.audit_checkpoints SET pruned_rows = 3",
                                   undo: "UPDATE sluice_private.audit_checkpoints SET pruned_rows = 4")
            // Re-signed by the owner with the key (what the owner can do): the chain's own
            // audit.prune entry still names the old position.
            try await expectBroken(.checkpoint, seq: 3, """
                UPDATE sluice_private.audit_checkpoints SET through_seq = 3,
                       signature = sluice_private.audit_checkpoint_signature(tenant_id, 3, through_hash, pruned_rows, created_at)
                """, undo: "DELETE FROM sluice_private.audit_checkpoints; INSERT INTO sluice_private.audit_checkpoints SELECT * FROM saved_checkpoint")
            await owner.close()
        }
    }

    @Test("prune refuses a chain whose expired part is broken (nothing pruned), keeps a chain under a legal hold, and ignores a caller's shadow policy")
    func pruneRefusesWhatItShouldNot() async throws {
        try await TestDatabase.withMigrated { url in
            try await Self.appendEntries(url, count: 20)
            let owner = try await PostgresConnection.connect(url)
            try await Self.backdate(owner, "tenant_a", through: 6, days: 3_000)
            try await owner.query("UPDATE compliance_audit_logs SET resource = 'x' WHERE tenant_id = 'tenant_a' AND chain_seq = 3")
            let refused = await #expect(throws: PostgresError.self) { _ = try await Self.prune(url) }
            #expect(refused?.sqlState == "55000")
            #expect(refused?.message.contains("broken at position 3") == true, "\(String(describing: refused))")
            #expect(try await owner.query("SELECT count(*)::int AS n FROM compliance_audit_logs WHERE tenant_id = 'tenant_a'")[0].decode("n", as: Int.self) == 10)
            #expect(try await owner.query("SELECT count(*)::int AS n FROM sluice_private.audit_checkpoints")[0].decode("n", as: Int.self) == 0)
            try await owner.query("UPDATE compliance_audit_logs SET resource = 'entry 4' WHERE tenant_id = 'tenant_a' AND chain_seq = 3")

            try await owner.query("""
                INSERT INTO legal_holds (tenant_id, category, reason, created_by) VALUES ('tenant_a', 'compliance_audit_logs', 'litigation', 'legal')
                """)
            let held = try await Self.prune(url)
            #expect(held.chains.map(\.held) == [true] && held.pruned_rows == 0)
            #expect(try await owner.query("SELECT count(*)::int AS n FROM compliance_audit_logs WHERE tenant_id = 'tenant_a'")[0].decode("n", as: Int.self) == 10)
            try await owner.query("UPDATE legal_holds SET released_at = now(), released_by = 'legal'")

            // Rows 7 and 8 two days old: a 1-day policy would prune them, the real one (2555 days) not.
            try await Self.backdate(owner, "tenant_a", through: 8, days: 2)
            // Compliance staff shadow the policy table with a 1-day policy and try to prune them.
            let compliance = try await ComplianceFixture.compliance(url)
            try await compliance.execute(unsafeSQL: """
                BEGIN;
                CREATE TEMP TABLE data_retention_policies (category varchar(64), ttl_days int) ON COMMIT DROP;
                INSERT INTO pg_temp.data_retention_policies VALUES ('compliance_audit_logs', 1);
                SET LOCAL search_path = pg_temp, public, sluice_private;
                """)
            let pruned = try await compliance.query("SELECT tenant_id, pruned_rows FROM public.sluice_audit_prune(false, 'x')")
            try await compliance.execute(unsafeSQL: "COMMIT")
            #expect(try pruned.map { try $0.decode("tenant_id", as: String.self) } == ["tenant_a"])
            #expect(try pruned.first?.decode("pruned_rows", as: Int64.self) == 6, "only the rows past the real policy")
            #expect(try await owner.query("SELECT min(chain_seq) AS first FROM compliance_audit_logs WHERE tenant_id = 'tenant_a'")[0].decode("first", as: Int64.self) == 7)
            #expect(try await owner.query("SELECT count(*)::int AS n FROM compliance_audit_logs WHERE tenant_id = 'tenant_b'")[0].decode("n", as: Int.self) == 10)
            #expect(try await Self.verify(url).ok)
            await compliance.close()
            await owner.close()
        }
    }

    @Test("the checkpoint signature is HMAC-SHA256 (RFC 4231 test case 2)")
    func hmacIsHMAC() async throws {
        try await TestDatabase.withMigrated { url in
            let owner = try await PostgresConnection.connect(url)
            let mac = try await owner.query("""
                SELECT encode(sluice_private.audit_hmac('Jefe'::bytea, 'what do ya want for nothing?'::bytea), 'hex') AS mac,
                       encode(sluice_private.audit_hmac(decode(repeat('aa', 131), 'hex'),
                              'Test Using Larger Than Block-Size Key - Hash Key First'::bytea), 'hex') AS long_key
                """)[0]
            #expect(try mac.decode("mac", as: String.self) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
            #expect(try mac.decode("long_key", as: String.self) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
            await owner.close()
        }
    }
}
