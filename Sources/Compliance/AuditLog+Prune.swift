import Postgres

/// What audit retention did (or, dry, would do) to each tenant's chain.
public struct AuditPruneReport: Sendable, Encodable, Equatable {
    public struct Chain: Sendable, Encodable, Equatable {
        public var tenant: String
        /// The last position pruned: the chain now starts after it (its checkpoint).
        public var through_seq: Int64
        /// Its row_hash (hex), as the checkpoint records it; nil when held.
        public var through_hash: String?
        public var pruned_rows: Int64
        /// An active legal hold on the category compliance_audit_logs kept the chain whole.
        public var held: Bool
        /// Where the `audit.prune` entry landed (nil: dry run or held).
        public var prune_entry_seq: Int64?
    }

    public var dry_run: Bool
    public var chains: [Chain]
    public var pruned_rows: Int64 { chains.reduce(0) { $0 + $1.pruned_rows } }
}

extension AuditLog {
    /// Audit retention, for `sluice retention apply`: removes each tenant chain's oldest rows past
    /// the `compliance_audit_logs` policy (`data_retention_policies.ttl_days`, by the server's
    /// clock), behind a signed checkpoint and an `audit.prune` entry, through
    /// `sluice_audit_prune` (sql/compliance_audit_prune.sql). Runs in the connection's current
    /// transaction (or its own): call it inside the retention run's transaction to commit both
    /// together. A chain whose expired part does not verify is refused (SQLSTATE 55000), nothing
    /// pruned; a legal hold on the category keeps a tenant's chain whole (`held`).
    ///
    /// There is deliberately no `now:`: the caller may not choose the time, or it could prune
    /// young rows.
    public static func pruneExpired(on connection: isolated PostgresConnection, dryRun: Bool, actor: String) throws -> AuditPruneReport {
        let chains = try connection.query("""
            SELECT p.tenant_id, p.through_seq, p.through_hash, p.pruned_rows, p.held, p.prune_entry_seq
            FROM public.sluice_audit_prune(\(dryRun), \(actor)) AS p
            """).map { row in
            AuditPruneReport.Chain(
                tenant: try row.decode("tenant_id", as: String.self), through_seq: try row.decode("through_seq", as: Int64.self),
                through_hash: try row.decode("through_hash", as: PostgresBytes?.self).map { AuditVerifier.hex($0.bytes) },
                pruned_rows: try row.decode("pruned_rows", as: Int64.self), held: try row.decode("held", as: Bool.self),
                prune_entry_seq: try row.decode("prune_entry_seq", as: Int64?.self))
        }
        return AuditPruneReport(dry_run: dryRun, chains: chains)
    }

    /// ``pruneExpired(on:dryRun:actor:)`` in a transaction of its own.
    public static func pruneExpired(on connection: PostgresConnection, dryRun: Bool, actor: String) async throws -> AuditPruneReport {
        try await connection.withTransaction { connection in
            try pruneExpired(on: connection, dryRun: dryRun, actor: actor)
        }
    }
}
