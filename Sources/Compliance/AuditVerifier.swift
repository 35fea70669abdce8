import Postgres

/// `sluice audit verify`: recomputes every tenant's audit chain from its rows and names the first
/// row that was changed, deleted or inserted out of order (docs/compliance.md, "Audit trail").
///
/// A chain is read batch by batch through `sluice_audit_chain_rows` (keyset on `chain_seq`), all
/// in one REPEATABLE READ, read-only transaction: the rows, the heads and the checkpoints are one
/// snapshot, so an append committed meanwhile is neither half-seen nor mistaken for tampering.
public struct AuditVerifier: Sendable {
    /// What is wrong with a row or a chain.
    public enum ProblemKind: String, Sendable, Encodable {
        /// The row's content no longer hashes to its stored row_hash, or the chain's last row is
        /// not the one its head recorded.
        case changed
        /// Positions are missing: a gap in `chain_seq`, the head beyond the last row, or the start
        /// of a pruned chain without its checkpoint.
        case deleted
        /// A row that does not link to the one before it, has no chain position, or lies beyond
        /// the chain's head: written around `sluice_audit_append`.
        case inserted
        /// The checkpoint a pruned chain starts from is not what the prune function wrote.
        case checkpoint
    }

    /// The first thing wrong with one tenant's chain.
    public struct Problem: Sendable, Encodable, Equatable {
        public var tenant: String
        /// The position concerned (nil: a row without one).
        public var chain_seq: Int64?
        /// The row concerned (nil: a row that is missing).
        public var id: Int64?
        public var kind: ProblemKind
        public var message: String

        public init(tenant: String, chain_seq: Int64?, id: Int64?, kind: ProblemKind, message: String) {
            self.tenant = tenant
            self.chain_seq = chain_seq
            self.id = id
            self.kind = kind
            self.message = message
        }
    }

    /// One chain's verdict.
    public struct Chain: Sendable, Encodable, Equatable {
        public var tenant: String
        public var rows: Int64
        /// Where the chain starts after pruning (0: from its first row).
        public var anchor_seq: Int64
        /// The head's position and hash (hex), to keep outside the database (docs/compliance.md).
        public var head_seq: Int64
        public var head_hash: String?
        public var ok: Bool
    }

    /// The whole verdict: `ok` when no chain has a problem.
    public struct Report: Sendable, Encodable, Equatable {
        public var ok: Bool
        public var rows: Int64
        public var chains: [Chain]
        public var problems: [Problem]
    }

    /// Rows read per statement.
    public var batchSize: Int

    public init(batchSize: Int = 5_000) {
        self.batchSize = batchSize
    }

    static let genesis = [UInt8](repeating: 0, count: 32)

    /// Verifies `tenant`'s chain, or every tenant's (nil).
    public func verify(tenant: String?, on connection: PostgresConnection) async throws -> Report {
        let batchSize = self.batchSize
        return try await connection.withTransaction { connection in
            try connection.execute(unsafeSQL: "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            var report = Report(ok: true, rows: 0, chains: [], problems: [])
            let heads = try connection.query("SELECT * FROM public.sluice_audit_chains(\(tenant))").map { row in
                try ChainHead(row)
            }
            for head in heads {
                let (chain, problem) = try Self.verify(head, batchSize: batchSize, on: connection)
                report.rows += chain.rows
                report.chains.append(chain)
                if let problem { report.problems.append(problem) }
            }
            report.ok = report.problems.isEmpty
            return report
        }
    }

    /// What `sluice_audit_chains` says of one tenant's chain.
    struct ChainHead {
        var tenant: String
        var headSeq: Int64?
        var headHash: [UInt8]?
        var anchorSeq: Int64?
        var anchorHash: [UInt8]?
        var anchorSigned: Bool?
        var anchorRecorded: Bool
        var chainedRows: Int64
        var unchainedRows: Int64
        var firstUnchainedID: Int64?

        init(_ row: PostgresRow) throws {
            tenant = try row.decode("tenant_id", as: String.self)
            headSeq = try row.decode("head_seq", as: Int64?.self)
            headHash = try row.decode("head_hash", as: PostgresBytes?.self)?.bytes
            anchorSeq = try row.decode("anchor_seq", as: Int64?.self)
            anchorHash = try row.decode("anchor_hash", as: PostgresBytes?.self)?.bytes
            anchorSigned = try row.decode("anchor_signed", as: Bool?.self)
            anchorRecorded = try row.decode("anchor_recorded", as: Bool?.self) ?? false
            chainedRows = try row.decode("chained_rows", as: Int64.self)
            unchainedRows = try row.decode("unchained_rows", as: Int64.self)
            firstUnchainedID = try row.decode("first_unchained_id", as: Int64?.self)
        }
    }

    /// Walks one chain in batches; stops at its first problem.
    static func verify(_ head: ChainHead, batchSize: Int, on connection: isolated PostgresConnection) throws -> (Chain, Problem?) {
        let tenant = head.tenant
        var chain = Chain(tenant: tenant, rows: head.chainedRows + head.unchainedRows, anchor_seq: head.anchorSeq ?? 0,
                          head_seq: head.headSeq ?? 0, head_hash: head.headHash.map(hex), ok: false)
        func problem(_ kind: ProblemKind, seq: Int64?, id: Int64?, _ message: String) -> (Chain, Problem?) {
            (chain, Problem(tenant: tenant, chain_seq: seq, id: id, kind: kind, message: message))
        }
        if let id = head.firstUnchainedID {
            return problem(.inserted, seq: nil, id: id, "row id \(id) has no chain position: it was inserted around sluice_audit_append (\(head.unchainedRows) such row(s))")
        }
        guard let headSeq = head.headSeq, let headHash = head.headHash else {
            return problem(.inserted, seq: nil, id: nil, "\(head.chainedRows) row(s) but no chain head: they were inserted around sluice_audit_append")
        }
        if let anchorSeq = head.anchorSeq {
            guard head.anchorSigned == true else {
                return problem(.checkpoint, seq: anchorSeq, id: nil, "the checkpoint at position \(anchorSeq) does not carry the prune function's signature: it was written or changed by hand")
            }
            guard head.anchorRecorded else {
                return problem(.checkpoint, seq: anchorSeq, id: nil, "no audit.prune entry of the chain names the checkpoint at position \(anchorSeq) and its hash: the checkpoint or that entry was changed")
            }
        }

        // Rows up to the anchor are gone after a prune; a chain that still has its first row is
        // checked from there (the anchor's hash must then be met on the way).
        var expectedSeq: Int64 = 1
        var expectedPrev = genesis
        var after: Int64 = 0
        var started = false
        while true {
            let rows = try connection.query("""
                SELECT r.id, r.chain_seq, r.prev_hash, r.row_hash, r.recomputed_hash
                FROM public.sluice_audit_chain_rows(\(tenant), \(after), \(Int32(clamping: batchSize))) AS r
                """)
            for row in rows {
                let id = try row.decode("id", as: Int64.self)
                let seq = try row.decode("chain_seq", as: Int64.self)
                let prev = try row.decode("prev_hash", as: PostgresBytes?.self)?.bytes
                let stored = try row.decode("row_hash", as: PostgresBytes?.self)?.bytes
                let recomputed = try row.decode("recomputed_hash", as: PostgresBytes?.self)?.bytes
                if !started {
                    started = true
                    if seq != 1, let anchorSeq = head.anchorSeq, let anchorHash = head.anchorHash {
                        expectedSeq = anchorSeq + 1
                        expectedPrev = anchorHash
                    }
                }
                if seq > headSeq {
                    return problem(.inserted, seq: seq, id: id, "row id \(id) at position \(seq) lies beyond the chain's head (position \(headSeq)): it was inserted around sluice_audit_append")
                }
                if seq > expectedSeq {
                    let missing = expectedSeq == seq - 1 ? "position \(expectedSeq) is" : "positions \(expectedSeq)–\(seq - 1) are"
                    let pruned = head.anchorSeq == nil && expectedSeq == 1 ? " (and no checkpoint says they were pruned)" : ""
                    return problem(.deleted, seq: expectedSeq, id: nil, "\(missing) missing before row id \(id) at position \(seq)\(pruned): deleted")
                }
                guard let prev, let stored, let recomputed else {
                    return problem(.inserted, seq: seq, id: id, "row id \(id) at position \(seq) has no hashes: it was inserted around sluice_audit_append")
                }
                if recomputed != stored {
                    return problem(.changed, seq: seq, id: id, "row id \(id) at position \(seq) was changed: its content no longer hashes to its row_hash")
                }
                if prev != expectedPrev {
                    return problem(.inserted, seq: seq, id: id, "row id \(id) at position \(seq) does not link to position \(seq - 1) (its prev_hash differs): inserted or reordered")
                }
                if let anchorSeq = head.anchorSeq, seq == anchorSeq, let anchorHash = head.anchorHash, stored != anchorHash {
                    return problem(.changed, seq: seq, id: id, "row id \(id) at position \(seq) is not the row the checkpoint recorded: rewritten")
                }
                expectedSeq = seq + 1
                expectedPrev = stored
                after = seq
            }
            if rows.count < batchSize { break }
        }
        if !started, let anchorSeq = head.anchorSeq, let anchorHash = head.anchorHash {
            expectedSeq = anchorSeq + 1
            expectedPrev = anchorHash
        }
        if expectedSeq - 1 < headSeq {
            let missing = expectedSeq == headSeq ? "position \(headSeq) is" : "positions \(expectedSeq)–\(headSeq) are"
            return problem(.deleted, seq: expectedSeq, id: nil, "\(missing) missing at the end of the chain (its head is at \(headSeq)): deleted")
        }
        if expectedPrev != headHash {
            return problem(.changed, seq: headSeq, id: nil, "the chain's last row (position \(headSeq)) is not the one its head recorded: rewritten")
        }
        chain.ok = true
        return (chain, nil)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
