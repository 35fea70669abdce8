import EventContracts
import Foundation
import Postgres

/// The dead letter (`rejected_events`): listing, inspecting and replaying rejected lines.
public struct RejectStore: Sendable {
    public let connectionString: String

    public init(connectionString: String) {
        self.connectionString = connectionString
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
        public var raw: [UInt8]
        /// `[{"field": …, "message": …}]`
        public var errorsJSON: String
    }

    /// The most recent rejects, newest first, and how many match in all.
    public func list(tenant: String? = nil, source: String?, includeReplayed: Bool, limit: Int) async throws -> (rejects: [Reject], total: Int) {
        let connection = try await LoaderConnection.open(connectionString, tenant: tenant)
        defer { Task { await connection.close() } }
        let rows = try await connection.query("""
            SELECT id, tenant_id, source, line_number, byte_offset, contract, batch_id, received_at, replayed_at,
                   substring(raw FROM 1 FOR 300) AS raw, errors::text AS errors, count(*) OVER () AS total
            FROM rejected_events
            WHERE (\(tenant)::text IS NULL OR tenant_id = \(tenant)) AND (\(source)::text IS NULL OR source = \(source))
              AND (\(includeReplayed) OR replayed_at IS NULL)
            ORDER BY id DESC LIMIT \(limit)
            """)
        let total = try rows.first?.decode("total", as: Int.self) ?? 0
        return (try rows.map(Self.reject), total)
    }

    /// One reject with its full raw bytes.
    public func show(id: Int64, tenant: String? = nil) async throws -> Reject? {
        let connection = try await LoaderConnection.open(connectionString, tenant: tenant)
        defer { Task { await connection.close() } }
        let rows = try await connection.query("""
            SELECT id, tenant_id, source, line_number, byte_offset, contract, batch_id, received_at, replayed_at,
                   raw, errors::text AS errors
            FROM rejected_events WHERE id = \(id)
            """)
        return try rows.first.map(Self.reject)
    }

    private static func reject(_ row: PostgresRow) throws -> Reject {
        Reject(
            id: try row.decode("id", as: Int64.self), tenant: try row.decode("tenant_id", as: String.self),
            source: try row.decode("source", as: String.self), lineNumber: try row.decode("line_number", as: Int64.self),
            byteOffset: try row.decode("byte_offset", as: Int64.self), contract: try row.decode("contract", as: String.self),
            batchID: try row.decode("batch_id", as: String.self), receivedAt: try row.decode("received_at", as: PostgresTimestamp.self),
            replayedAt: try row.decode("replayed_at", as: PostgresTimestamp?.self),
            raw: try row.decode("raw", as: PostgresBytes.self).bytes, errorsJSON: try row.decode("errors", as: String.self)
        )
    }

    /// What a replay did: `examined == loaded + duplicates + stillRejected + sampledOut`.
    public struct ReplaySummary: Sendable, Equatable {
        public var examined = 0
        public var loaded = 0
        public var duplicates = 0
        public var stillRejected = 0
        public var sampledOut = 0
    }

    /// Re-validates pending rejects with the current schemas and policies and loads the lines that
    /// now pass, exactly once (same ledger, same batch transaction as `sluice load`).
    /// - Parameter privacy: each tenant's key material; actions and sampling come from the tables.
    public func replay(tenant: String? = nil, source: String?, registry: EventContractRegistry, privacy: @Sendable (String) throws -> PrivacyPolicy,
                       log: @escaping @Sendable (String) -> Void = { _ in }) async throws -> ReplaySummary {
        let connection = try await LoaderConnection.open(connectionString, tenant: tenant)
        defer { Task { await connection.close() } }
        let groups = try await connection.query("""
            SELECT DISTINCT tenant_id, source, contract FROM rejected_events
            WHERE replayed_at IS NULL AND (\(tenant)::text IS NULL OR tenant_id = \(tenant))
              AND (\(source)::text IS NULL OR source = \(source))
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
            guard let contract = Contract(rawValue: contractName) else {
                log("skipping rejects of \(groupSource): unknown contract \(contractName)")
                continue
            }
            var target = LoadTarget(connectionString: connectionString, tenant: tenant, contract: contract, source: groupSource,
                                    checkpointed: false, runID: String(runID), retryWindow: .seconds(60))
            target.replay = true
            let writer = BatchWriter(target: target, log: log)
            try await connection.setSessionTenant(tenant)
            let (policy, sampling, optOut) = try await PolicyStore(connection: connection).context(tenant: tenant, keys: try privacy(tenant))
            var context = NormalizationContext(tenantId: tenant, privacy: policy)
            context.sampling = sampling
            context.optOut = optOut
            let validator = BatchValidator(registry: registry, contract: contract, context: context, oldestAcceptedOccurredAt: oldest)
            var afterID: Int64 = 0
            while true {
                let rows = try await connection.query("""
                    SELECT id, line_number, byte_offset, raw FROM rejected_events
                    WHERE replayed_at IS NULL AND source = \(groupSource) AND tenant_id = \(tenant) AND contract = \(contractName) AND id > \(afterID)
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
                let counts = try await writer.write(await validator.validate(batch))
                summary.examined += counts.read
                summary.loaded += counts.loaded
                summary.duplicates += counts.duplicates
                summary.stillRejected += counts.rejected
                summary.sampledOut += counts.droppedByPolicy
            }
            await writer.close()
        }
        return summary
    }
}
