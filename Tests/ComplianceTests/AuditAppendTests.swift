import Compliance
import Foundation
import Postgres
import Testing
import TestSupport

@Suite("the audit trail: appends keep each tenant's hash chain")
struct AuditAppendTests {
    @Test("appends from concurrent sessions form one gapless chain per tenant whose hashes recompute")
    func chainOfConcurrentAppends() async throws {
        try await TestDatabase.withMigrated { url in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        let connection = try await ComplianceFixture.compliance(url)
                        for index in 0..<25 {
                            let tenant = index % 2 == 0 ? "tenant_a" : "tenant_b"
                            var entry = AuditEntry(tenant: tenant, action: "gdpr.find", resource: "test \(worker)-\(index)", actor: "tester",
                                                   classification: "pii")
                            entry.rowCounts = ["events": Int64(index)]
                            let appended = entry
                            try await ComplianceSession.withTenant(connection, tenant) { connection in
                                _ = try AuditLog.append(appended, on: connection)
                            }
                        }
                        await connection.close()
                    }
                }
                try await group.waitForAll()
            }
            let owner = try await PostgresConnection.connect(url)
            for tenant in ["tenant_a", "tenant_b"] {
                let rows = try await owner.query("""
                    SELECT a.chain_seq, a.prev_hash, a.row_hash,
                           sha256(a.prev_hash || convert_to(sluice_audit_canonical(a.tenant_id, a.chain_seq, a."timestamp", a.user_id, a.actor,
                               a.action, a.resource, a.ip_address, a.user_agent, a.data_classification, a.flags, a.row_counts, a.details), 'UTF8'))
                               = a.row_hash AS recomputes,
                           a.prev_hash = COALESCE(lag(a.row_hash) OVER (ORDER BY a.chain_seq), '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) AS links,
                           a.actor
                    FROM compliance_audit_logs AS a WHERE a.tenant_id = \(tenant) ORDER BY a.chain_seq
                    """)
                let expected = 4 * (0..<25).filter { ($0 % 2 == 0) == (tenant == "tenant_a") }.count
                #expect(rows.count == expected)
                for (index, row) in rows.enumerated() {
                    #expect(try row.decode("chain_seq", as: Int64.self) == Int64(index + 1))
                    #expect(try row.decode("recomputes", as: Bool.self))
                    #expect(try row.decode("links", as: Bool.self))
                    #expect(try row.decode("actor", as: String.self) == "tester@\(TestRole.compliance.rawValue)")
                }
            }
            await owner.close()
        }
    }

    @Test("the audit log cannot be written around the chain: compliance staff may not INSERT, UPDATE or DELETE it, and a subject in clear is refused")
    func writesOutsideTheChainAreRefused() async throws {
        try await TestDatabase.withMigrated { url in
            let connection = try await ComplianceFixture.compliance(url)
            for statement in [
                "INSERT INTO compliance_audit_logs (tenant_id, action) VALUES ('tenant_a', 'forged')",
                "UPDATE compliance_audit_logs SET action = 'x'",
                "DELETE FROM compliance_audit_logs",
            ] {
                let refused = await #expect(throws: PostgresError.self) {
                    try await connection.execute(unsafeSQL: "BEGIN; SELECT set_config('sluice.tenant', 'tenant_a', true); \(statement)")
                }
                #expect(refused?.sqlState == "42501", "\(statement): \(String(describing: refused))")
                _ = try? await connection.execute(unsafeSQL: "ROLLBACK")
            }
            let clear = await #expect(throws: PostgresError.self) {
                try await ComplianceSession.withTenant(connection, "tenant_a") { connection in
                    _ = try AuditLog.append(AuditEntry(tenant: "tenant_a", action: "gdpr.find", subjectHash: "alice@example.com", actor: "x"), on: connection)
                }
            }
            #expect(clear?.sqlState == "22023")
            await connection.close()
        }
    }
}
