import EventContracts
import Postgres

/// Which load a checkpoint belongs to: the same source loaded for another tenant, or under another
/// contract, is another load with a checkpoint of its own.
struct CheckpointKey: Sendable, Equatable {
    var tenant: String
    var contract: Contract
    var source: String

    /// For the advisory lock that serializes compaction of one key.
    var lockName: String { "\(tenant)\u{1F}\(contract.rawValue)\u{1F}\(source)" }
}

/// Where a committed prefix of a source ends, and what the source held there.
struct SavedCheckpoint: Sendable, Equatable {
    var position: LineReader.Position
    /// The fingerprint of the bytes before `position`; nil when the checkpoint predates fingerprints.
    var fingerprint: [UInt8]?
    /// The file that was read (nil for streams and old checkpoints).
    var identity: FileIdentity?
}

/// Reads and tidies checkpoints: the byte ranges committed batches covered.
struct CheckpointStore {
    let connection: PostgresConnection

    /// Where to resume: the end of the contiguous run of committed ranges from byte 0 — or, when that
    /// end's fingerprint is unknown (a batch split to fit `statement_timeout`), the farthest range end
    /// within the run whose fingerprint is known. Ranges past a gap (parallel writers commit out of
    /// order) are read again; the key ledger and the dead letter's unique key make that harmless.
    func saved(_ key: CheckpointKey) async throws -> SavedCheckpoint? {
        let rows = try await connection.query("""
            SELECT start_offset, end_offset, end_line, end_fingerprint, file_device, file_inode
            FROM load_checkpoints
            WHERE tenant_id = \(key.tenant) AND contract = \(key.contract.rawValue) AND source = \(key.source)
            ORDER BY start_offset
            """)
        var reach: Int64 = 0
        var best: SavedCheckpoint?
        for row in rows {
            let start = try row.decode("start_offset", as: Int64.self)
            guard start <= reach else { break }
            let end = try row.decode("end_offset", as: Int64.self)
            reach = max(reach, end)
            let fingerprint = try row.decode("end_fingerprint", as: PostgresBytes?.self)?.bytes
            if fingerprint?.isEmpty == true { continue }
            guard end > (best?.position.offset ?? 0) else { continue }
            var identity: FileIdentity?
            if let device = try row.decode("file_device", as: Int64?.self), let inode = try row.decode("file_inode", as: Int64?.self) {
                identity = FileIdentity(storedDevice: device, storedInode: inode)
            }
            best = SavedCheckpoint(
                position: .init(offset: end, line: try row.decode("end_line", as: Int64.self)),
                fingerprint: fingerprint, identity: identity)
        }
        return best
    }

    /// Folds the ranges up to the resume point into one row so the table stays small.
    func compact(_ key: CheckpointKey) async throws {
        guard let checkpoint = try await saved(key) else { return }
        try await connection.withTransaction { connection in
            try connection.query("SELECT pg_advisory_xact_lock(hashtext(\(key.lockName)))")
            try connection.query("""
                DELETE FROM load_checkpoints
                WHERE tenant_id = \(key.tenant) AND contract = \(key.contract.rawValue) AND source = \(key.source)
                  AND end_offset <= \(checkpoint.position.offset)
                """)
            try connection.query("""
                INSERT INTO load_checkpoints (tenant_id, contract, source, start_offset, end_offset, end_line, batch_id,
                                              file_device, file_inode, end_fingerprint)
                VALUES (\(key.tenant), \(key.contract.rawValue), \(key.source), 0, \(checkpoint.position.offset),
                        \(checkpoint.position.line), NULL, \(checkpoint.identity?.storedDevice), \(checkpoint.identity?.storedInode),
                        \(checkpoint.fingerprint.map(PostgresBytes.init)))
                ON CONFLICT (tenant_id, contract, source, start_offset) DO UPDATE
                SET end_fingerprint = CASE WHEN EXCLUDED.end_offset >= load_checkpoints.end_offset
                                           THEN EXCLUDED.end_fingerprint ELSE load_checkpoints.end_fingerprint END,
                    file_device = EXCLUDED.file_device, file_inode = EXCLUDED.file_inode,
                    end_offset = GREATEST(load_checkpoints.end_offset, EXCLUDED.end_offset),
                    end_line = GREATEST(load_checkpoints.end_line, EXCLUDED.end_line)
                """)
        }
    }

    /// Forgets the checkpoint (`--restart`, or an input that is not what was checkpointed): the
    /// whole input is read again; events loaded before then count as duplicates.
    func reset(_ key: CheckpointKey) async throws {
        try await connection.query("""
            DELETE FROM load_checkpoints
            WHERE tenant_id = \(key.tenant) AND contract = \(key.contract.rawValue) AND source = \(key.source)
            """)
    }
}
