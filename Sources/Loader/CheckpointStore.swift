import Postgres

/// Reads and tidies a source's checkpoint: the byte ranges its committed batches covered.
struct CheckpointStore {
    let connection: PostgresConnection

    /// Where to resume: the end of the contiguous run of committed ranges from byte 0. Ranges past
    /// a gap (parallel writers commit out of order) are read again; the key ledger and the dead
    /// letter's unique (source, offset) make that harmless.
    func resumePosition(source: String) async throws -> LineReader.Position {
        let rows = try await connection.query("""
            SELECT start_offset, end_offset, end_line FROM load_checkpoints WHERE source = \(source) ORDER BY start_offset
            """)
        var position = LineReader.Position(offset: 0, line: 0)
        for row in rows {
            let start = try row.decode("start_offset", as: Int64.self)
            guard start <= position.offset else { break }
            let end = try row.decode("end_offset", as: Int64.self)
            if end > position.offset {
                position = LineReader.Position(offset: end, line: try row.decode("end_line", as: Int64.self))
            }
        }
        return position
    }

    /// Folds the contiguous prefix into one row so the table stays small.
    func compact(source: String) async throws {
        let position = try await resumePosition(source: source)
        guard position.offset > 0 else { return }
        try await connection.withTransaction { connection in
            try connection.query("SELECT pg_advisory_xact_lock(hashtext(\(source)))")
            try connection.query("DELETE FROM load_checkpoints WHERE source = \(source) AND end_offset <= \(position.offset)")
            try connection.query("""
                INSERT INTO load_checkpoints (source, start_offset, end_offset, end_line, batch_id)
                VALUES (\(source), 0, \(position.offset), \(position.line), NULL)
                ON CONFLICT (source, start_offset) DO UPDATE
                SET end_offset = GREATEST(load_checkpoints.end_offset, EXCLUDED.end_offset),
                    end_line = GREATEST(load_checkpoints.end_line, EXCLUDED.end_line)
                """)
        }
    }

    /// Forgets the checkpoint (`--restart`): the whole input is read again; already loaded events
    /// then count as duplicates.
    func reset(source: String) async throws {
        try await connection.query("DELETE FROM load_checkpoints WHERE source = \(source)")
    }
}
