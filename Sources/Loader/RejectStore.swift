import EventContracts
import Foundation
import Postgres

/// The dead letter (`rejected_events`): listing, inspecting and replaying rejected lines.
public struct RejectStore: Sendable {
    public let connectionString: String

    public init(connectionString: String) {
        self.connectionString = connectionString
    }

    /// Which rejects a command works on: each member set narrows the selection; none set: all.
    public struct Filter: Sendable, Equatable {
        public var tenant: String?
        /// Rejects of any of these sources (empty: of any source). A file path is stored absolute,
        /// so a command passes the path as typed and as `sluice load` names it.
        public var sources: [String]
        /// The contract they were dead-lettered under.
        public var contract: String?

        public init(tenant: String? = nil, sources: [String] = [], contract: String? = nil) {
            self.tenant = tenant
            self.sources = sources
            self.contract = contract
        }
    }

    /// One rejected line.
    public struct Reject: Sendable {
        public var id: Int64
        public var tenant: String
        public var source: String
        public var lineNumber: Int64
        public var byteOffset: Int64
        public var contract: String
        public var batchID: String
        public var receivedAt: PostgresTimestamp
        public var replayedAt: PostgresTimestamp?
        /// Marked discarded (`sluice rejects discard`): by which login, and why if it was said.
        public var discardedAt: PostgresTimestamp?
        public var discardedBy: String?
        public var discardReason: String?
        public var raw: [UInt8]
        /// `[{"field": …, "message": …}]`
        public var errorsJSON: String

        /// Neither replayed nor discarded.
        public var isWaiting: Bool { replayedAt == nil && discardedAt == nil }
    }

    /// The most recent rejects, newest first, and how many match in all.
    /// - Parameter includeAll: also those a replay loaded since and those discarded.
    public func list(_ filter: Filter, includeAll: Bool, limit: Int) async throws -> (rejects: [Reject], total: Int) {
        let connection = try await LoaderConnection.open(connectionString, tenant: filter.tenant)
        defer { Task { await connection.close() } }
        let rows = try await connection.query("""
            SELECT id, tenant_id, source, line_number, byte_offset, contract, batch_id, received_at, replayed_at,
                   discarded_at, discarded_by, discard_reason,
                   substring(raw FROM 1 FOR 300) AS raw, errors::text AS errors, count(*) OVER () AS total
            FROM rejected_events
            WHERE (\(filter.tenant)::text IS NULL OR tenant_id = \(filter.tenant))
              AND (cardinality(\(filter.sources)::text[]) = 0 OR source = ANY(\(filter.sources)::text[]))
              AND (\(filter.contract)::text IS NULL OR contract = \(filter.contract))
              AND (\(includeAll) OR (replayed_at IS NULL AND discarded_at IS NULL))
            ORDER BY id DESC LIMIT \(limit)
            """)
        let total = try rows.first?.decode("total", as: Int.self) ?? 0
        return (try rows.map(Self.reject), total)
    }

    /// One reject with its full raw bytes. `audit` runs in the transaction of the read, with
    /// the reject found (raw lines are people's data: reading one is audited, `sluice rejects
    /// show`); a failed audit fails the read.
    public func show(id: Int64, tenant: String? = nil,
                     audit: @Sendable (isolated PostgresConnection, Reject) throws -> Void = { _, _ in }) async throws -> Reject? {
        let connection = try await LoaderConnection.open(connectionString, tenant: tenant)
        defer { Task { await connection.close() } }
        return try await connection.withTransaction { connection in
            let rows = try connection.query("""
                SELECT id, tenant_id, source, line_number, byte_offset, contract, batch_id, received_at, replayed_at,
                       discarded_at, discarded_by, discard_reason, raw, errors::text AS errors
                FROM rejected_events WHERE id = \(id)
                """)
            guard let reject = try rows.first.map(Self.reject) else { return nil }
            try audit(connection, reject)
            return reject
        }
    }

    private static func reject(_ row: PostgresRow) throws -> Reject {
        Reject(
            id: try row.decode("id", as: Int64.self), tenant: try row.decode("tenant_id", as: String.self),
            source: try row.decode("source", as: String.self), lineNumber: try row.decode("line_number", as: Int64.self),
            byteOffset: try row.decode("byte_offset", as: Int64.self), contract: try row.decode("contract", as: String.self),
            batchID: try row.decode("batch_id", as: String.self), receivedAt: try row.decode("received_at", as: PostgresTimestamp.self),
            replayedAt: try row.decode("replayed_at", as: PostgresTimestamp?.self),
            discardedAt: try row.decode("discarded_at", as: PostgresTimestamp?.self),
            discardedBy: try row.decode("discarded_by", as: String?.self),
            discardReason: try row.decode("discard_reason", as: String?.self),
            raw: try row.decode("raw", as: PostgresBytes.self).bytes, errorsJSON: try row.decode("errors", as: String.self)
        )
    }

    /// What a discard did.
    public struct DiscardSummary: Sendable, Equatable {
        /// The rejects marked discarded now.
        public var discarded: [Int64] = []
        /// Ids named that are not waiting: replayed or discarded before, or not there (for this
        /// login, under row-level security).
        public var notWaiting: [Int64] = []
    }

    /// A discard without a selection: refused rather than taken as "all".
    public struct SelectionRequired: Error, CustomStringConvertible {
        public var description: String { "name the rejects to discard: their ids, or --source (with --tenant to narrow)" }
    }

    /// Marks waiting rejects discarded — by id, or every waiting one matching `filter`, which must
    /// name at least one source when no ids are given. The rows stay, with who discarded them
    /// (the login, `session_user`), when and `reason`; they are no longer listed or replayed.
    ///
    /// `audit` runs in the discard's transaction, once per tenant whose rejects it discarded
    /// (with their ids), or once for `filter.tenant` (else "") with none: the discard and its
    /// audit entries commit together, or neither does.
    public func discard(ids: [Int64], filter: Filter, reason: String?,
                        audit: @Sendable (isolated PostgresConnection, _ tenant: String, _ discarded: [Int64]) throws -> Void = { _, _, _ in })
        async throws -> DiscardSummary {
        guard !ids.isEmpty || !filter.sources.isEmpty else { throw SelectionRequired() }
        let connection = try await LoaderConnection.open(connectionString, tenant: filter.tenant)
        defer { Task { await connection.close() } }
        let discarded = try await connection.withTransaction { connection in
            let rows = try connection.query("""
                UPDATE rejected_events
                SET discarded_at = now(), discarded_by = session_user::text, discard_reason = \(reason)
                WHERE replayed_at IS NULL AND discarded_at IS NULL
                  AND (cardinality(\(PostgresInt64Array(ids))::int8[]) = 0 OR id = ANY(\(PostgresInt64Array(ids))::int8[]))
                  AND (\(filter.tenant)::text IS NULL OR tenant_id = \(filter.tenant))
                  AND (cardinality(\(filter.sources)::text[]) = 0 OR source = ANY(\(filter.sources)::text[]))
                  AND (\(filter.contract)::text IS NULL OR contract = \(filter.contract))
                RETURNING id, tenant_id
                """)
            var byTenant: [String: [Int64]] = [:]
            for row in rows {
                byTenant[try row.decode("tenant_id", as: String.self), default: []].append(try row.decode("id", as: Int64.self))
            }
            if byTenant.isEmpty {
                try audit(connection, filter.tenant ?? "", [])
            }
            for (tenant, discarded) in byTenant.sorted(by: { $0.key < $1.key }) {
                try audit(connection, tenant, discarded.sorted())
            }
            return byTenant.values.flatMap { $0 }
        }
        var summary = DiscardSummary()
        summary.discarded = discarded.sorted()
        let done = Set(summary.discarded)
        var named = Set<Int64>()
        summary.notWaiting = ids.filter { !done.contains($0) && named.insert($0).inserted }
        return summary
    }

    /// What a replay did: `examined == loaded + duplicates + stillRejected + sampledOut + suppressed`.
    public struct ReplaySummary: Sendable, Equatable {
        public var examined = 0
        public var loaded = 0
        public var duplicates = 0
        public var stillRejected = 0
        public var sampledOut = 0
        /// Lines of erased subjects (they are no longer waiting: they never load).
        public var suppressed = 0
    }

    /// What a replay validates and loads the rejects as, instead of what they were dead-lettered
    /// with (nil: their own). Their source stays.
    public struct Target: Sendable, Equatable {
        public var tenant: String?
        public var contract: Contract?

        public init(tenant: String? = nil, contract: Contract? = nil) {
            self.tenant = tenant
            self.contract = contract
        }
    }

    /// Re-validates pending rejects with the current schemas and policies and loads the lines that
    /// now pass, exactly once (same ledger, same batch transaction as `sluice load`).
    /// - Parameter privacy: each tenant's key material; actions and sampling come from the tables.
    public func replay(tenant: String? = nil, source: String?, registry: EventContractRegistry, privacy: @Sendable (String) throws -> PrivacyPolicy,
                       log: @escaping @Sendable (String) -> Void = { _ in }) async throws -> ReplaySummary {
        try await replay(Filter(tenant: tenant, sources: source.map { [$0] } ?? []), as: Target(), registry: registry, privacy: privacy, log: log)
    }

    /// Re-validates the waiting rejects `filter` selects and loads the lines that now pass, exactly
    /// once (same ledger, same batch transaction as `sluice load`). With a `target`, they are
    /// validated and loaded under its tenant and/or contract instead of their own (a load run with
    /// the wrong `--tenant` or `--contract`); their source stays, and a line that still fails keeps
    /// waiting unchanged — its tenant, its contract and the reasons it failed for under them.
    /// Without one, a line that still fails keeps waiting with today's reasons.
    /// - Parameter privacy: each tenant's key material; actions and sampling come from the tables.
    public func replay(_ filter: Filter, as target: Target, registry: EventContractRegistry, privacy: @Sendable (String) throws -> PrivacyPolicy,
                       log: @escaping @Sendable (String) -> Void = { _ in }) async throws -> ReplaySummary {
        let connection = try await LoaderConnection.open(connectionString, tenant: filter.tenant)
        defer { Task { await connection.close() } }
        let groups = try await connection.query("""
            SELECT DISTINCT tenant_id, source, contract FROM rejected_events
            WHERE replayed_at IS NULL AND discarded_at IS NULL
              AND (\(filter.tenant)::text IS NULL OR tenant_id = \(filter.tenant))
              AND (cardinality(\(filter.sources)::text[]) = 0 OR source = ANY(\(filter.sources)::text[]))
              AND (\(filter.contract)::text IS NULL OR contract = \(filter.contract))
            ORDER BY source, tenant_id, contract
            """)
        let oldest = try await AcceptedWindow.oldestOccurredAt(on: connection)
        var summary = ReplaySummary()
        let runID = "replay-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        var sequence = 0
        for group in groups {
            let tenant = try group.decode("tenant_id", as: String.self)
            let groupSource = try group.decode("source", as: String.self)
            let contractName = try group.decode("contract", as: String.self)
            guard let ownContract = Contract(rawValue: contractName) else {
                log("skipping rejects of \(groupSource): unknown contract \(contractName)")
                continue
            }
            let loadTenant = target.tenant ?? tenant
            let loadContract = target.contract ?? ownContract
            let retargeted = loadTenant != tenant || loadContract != ownContract
            var loadTarget = LoadTarget(connectionString: connectionString, tenant: loadTenant, contract: loadContract, source: groupSource,
                                        checkpointed: false, runID: String(runID), retryWindow: .seconds(60))
            loadTarget.replay = true
            // A line that fails under another tenant or contract keeps the reasons of its own.
            loadTarget.replayUpdatesReasons = !retargeted
            let keys = try privacy(loadTenant)
            loadTarget.subjectHashKey = keys.piiHashSecret
            let writer = BatchWriter(target: loadTarget, log: log)
            try await connection.setSessionTenant(tenant)
            let (policy, sampling, optOut) = try await PolicyStore(connection: connection).context(tenant: loadTenant, keys: keys)
            var context = NormalizationContext(tenantId: loadTenant, privacy: policy)
            context.sampling = sampling
            context.optOut = optOut
            let validator = BatchValidator(registry: registry, contract: loadContract, context: context, oldestAcceptedOccurredAt: oldest)
            var afterID: Int64 = 0
            var stillFailing = 0
            var firstFailure: (id: Int64, error: FieldError)?
            do {
                while true {
                    let rows = try await connection.query("""
                        SELECT id, line_number, byte_offset, raw FROM rejected_events
                        WHERE replayed_at IS NULL AND discarded_at IS NULL AND source = \(groupSource) AND tenant_id = \(tenant)
                          AND contract = \(contractName) AND id > \(afterID)
                        ORDER BY id LIMIT 2000
                        """)
                    guard !rows.isEmpty else { break }
                    var batch = RawBatch(sequence: sequence, startOffset: 0)
                    sequence += 1
                    for row in rows {
                        let raw = try row.decode("raw", as: PostgresBytes.self).bytes
                        batch.lines.append(RawBatch.Line(start: batch.bytes.count, length: raw.count,
                                                         number: try row.decode("line_number", as: Int64.self),
                                                         offset: try row.decode("byte_offset", as: Int64.self), droppedBytes: 0))
                        batch.bytes.append(contentsOf: raw)
                        afterID = try row.decode("id", as: Int64.self)
                        batch.rejectIDs.append(afterID)
                    }
                    let validated = await validator.validate(batch)
                    if retargeted, firstFailure == nil, let first = validated.rejected.first {
                        firstFailure = (batch.rejectIDs[first.lineIndex], first.errors.first ?? FieldError(field: "", message: ""))
                    }
                    let counts = try await writer.write(validated)
                    summary.examined += counts.read
                    summary.loaded += counts.loaded
                    summary.duplicates += counts.duplicates
                    summary.stillRejected += counts.rejected
                    summary.sampledOut += counts.droppedByPolicy
                    summary.suppressed += counts.suppressed
                    stillFailing += counts.rejected
                }
            } catch {
                await writer.close()
                throw error
            }
            await writer.close()
            if let firstFailure, stillFailing > 0 {
                log("of the rejects of \(groupSource) (\(tenant), \(contractName)), \(stillFailing) also fail as \(loadTenant), \(loadContract.rawValue) "
                    + "and keep waiting with their own reasons; e.g. #\(firstFailure.id): \(firstFailure.error)")
            }
        }
        return summary
    }
}
