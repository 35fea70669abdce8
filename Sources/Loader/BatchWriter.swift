import EventContracts
import Foundation
import Postgres

/// What one batch came to. `read == loaded + duplicates + rejected + droppedByPolicy + suppressed`, always.
public struct BatchCounts: Sendable, Equatable {
    public var read = 0
    public var loaded = 0
    public var duplicates = 0
    public var rejected = 0
    public var droppedByPolicy = 0
    /// Of the rejected, those refused only because no medical-field key is configured: the
    /// operator's fix, not the producer's (`SLUICE_MEDICAL_KEY`, then `sluice rejects replay`).
    public var missingMedicalKey = 0
    /// Valid events of erased subjects that occurred at or before their erasure: dropped, never
    /// loaded (`SuppressionList`). `read == loaded + duplicates + rejected + droppedByPolicy + suppressed`.
    public var suppressed = 0

    public init(read: Int = 0, loaded: Int = 0, duplicates: Int = 0, rejected: Int = 0, droppedByPolicy: Int = 0) {
        self.read = read
        self.loaded = loaded
        self.duplicates = duplicates
        self.rejected = rejected
        self.droppedByPolicy = droppedByPolicy
    }

    public static func += (lhs: inout BatchCounts, rhs: BatchCounts) {
        lhs.read += rhs.read
        lhs.loaded += rhs.loaded
        lhs.duplicates += rhs.duplicates
        lhs.rejected += rhs.rejected
        lhs.droppedByPolicy += rhs.droppedByPolicy
        lhs.missingMedicalKey += rhs.missingMedicalKey
        lhs.suppressed += rhs.suppressed
    }
}

/// Where a load writes, and under which names.
public struct LoadTarget: Sendable {
    public var connectionString: String
    public var tenant: String
    public var contract: Contract
    /// The dead letter's source name (the checkpoint identity when `checkpointed`).
    public var source: String
    /// Whether batches advance the source's checkpoint (not for an unnamed stream).
    public var checkpointed: Bool
    /// Unique per run; batch ids are `<runID>-<sequence>`.
    public var runID: String
    /// How long a batch keeps retrying a lost connection before the load fails.
    public var retryWindow: Duration
    /// Replaying dead-lettered lines: rejects are updated in place (by their id) instead of
    /// inserted, and lines that now pass are marked replayed.
    public var replay = false
    /// Replay: a line that still fails gets today's reasons (false: keeps its stored ones, as when
    /// it was replayed under another tenant or contract than its own).
    public var replayUpdatesReasons = true
    /// The file being read, recorded with each checkpoint.
    var identity: FileIdentity?
    /// For `.gz` input: batches commit only once gzip's checks have vouched for their bytes.
    var verifiedHorizon: VerifiedHorizon?
    /// Session settings (`set_config(name, value, false)`) applied to each connection this writer opens.
    public var sessionSettings: [(name: String, value: String)] = []
    /// The tenant's keyed-hash key (`PrivacyPolicy.piiHashSecret`): erased subjects are recognized
    /// by it (`SuppressionList`).
    public var subjectHashKey: [UInt8]?
    /// Each connection holds the shared "a load is running" advisory lock (`LoadTarget.loadingLockKey`)
    /// while open, so `sluice refresh` pauses between its steps for as long as a file load runs
    /// (analytics.loads_running), not only while one of its batches is inside a transaction.
    /// Queue consumers leave it off: an idle consumer is not loading.
    public var announcesLoading = false

    /// The advisory lock key `sluice load` connections hold shared ("sluiload" in ASCII); the refresh
    /// looks for it in pg_locks as classid 0x736C7569, objid 0x6C6F6164 (sql/analytics_refresh.sql).
    public static let loadingLockKey: Int64 = 0x736C_7569_6C6F_6164

    public init(connectionString: String, tenant: String, contract: Contract, source: String, checkpointed: Bool, runID: String, retryWindow: Duration) {
        self.connectionString = connectionString
        self.tenant = tenant
        self.contract = contract
        self.source = source
        self.checkpointed = checkpointed
        self.runID = runID
        self.retryWindow = retryWindow
    }
}

/// Commits whole batches on its own connection: one transaction per batch holding the ledger keys,
/// the new rows (binary COPY), the dead letter, the dirtied buckets, the batch record and the
/// checkpoint. A crash anywhere leaves all of a batch or none of it.
///
/// Only a fault of a row dead-letters it (SQLSTATE classes 22 and 23, 54000: see
/// `PostgresError.Recovery`). A fault of the system never does: a lost connection, a deadlock or a
/// full disk is retried with backoff; a statement timeout is retried, then with the batch split in
/// halves; anything else (permissions, a missing table, a read-only server) stops the load with
/// nothing of the batch committed and a ``LoadError`` that says what to fix.
///
/// Used by one task at a time (each writer task owns one).
final class BatchWriter {
    private let target: LoadTarget
    private let log: @Sendable (String) -> Void
    private var connection: PostgresConnection?
    private var knownMonths: Set<Int64> = []
    /// Lines per transaction once `statement_timeout` forced a split; grows back after successes.
    private var linesPerTransaction = Int.max
    private var successesSinceSplit = 0
    /// The tenant's erased subjects, brought up to date in every batch transaction.
    private var suppression = SuppressionList()

    init(target: LoadTarget, log: @escaping @Sendable (String) -> Void) {
        self.target = target
        self.log = log
    }

    func close() async {
        await connection?.close()
        connection = nil
    }

    /// Writes `batch`: in parts when `statement_timeout` taught that whole batches take too long.
    /// Never applies a batch twice: a retry first checks whether the batch committed.
    func write(_ batch: ValidatedBatch) async throws -> BatchCounts {
        if let horizon = target.verifiedHorizon {
            try await horizon.waitVerified(through: batch.raw.endOffset)
        }
        let count = batch.raw.lines.count
        if count > linesPerTransaction {
            let (first, second) = batch.split(at: count / 2)
            var counts = try await write(first)
            counts += try await write(second)
            return counts
        }
        let counts = try await writeWhole(batch)
        if linesPerTransaction != .max {
            successesSinceSplit += 1
            if successesSinceSplit >= 8 {
                successesSinceSplit = 0
                linesPerTransaction = linesPerTransaction > Int.max / 2 ? .max : linesPerTransaction * 2
            }
        }
        return counts
    }

    /// One transaction for the whole batch, retried as its error allows.
    private func writeWhole(_ batch: ValidatedBatch) async throws -> BatchCounts {
        // One window for the batch, whatever mix of errors it meets; jitter keeps the writers apart.
        var backoff = Backoff(window: target.retryWindow, jitter: .milliseconds(100))
        var transientRetries = 0
        var timeouts = 0
        let name = "batch \(batch.raw.sequence)\(batch.raw.part)"
        while true {
            do {
                let connection = try await connect()
                try await ensurePartitions(for: batch, on: connection)
                return try await writeOnce(batch, on: connection)
            } catch let error as PostgresError {
                switch error.recovery {
                case .reconnect:
                    await close()
                    knownMonths.removeAll()
                    guard let pause = backoff.nextPause() else {
                        throw LoadError("gave up on \(name) after retrying for \(target.retryWindow): \(error.description)")
                    }
                    log("connection lost (\(error.description)); retrying \(name) in \(Backoff.text(pause))")
                    try await Task.sleep(for: pause)
                case .retry:
                    transientRetries += 1
                    guard transientRetries <= 30, let pause = backoff.nextPause() else {
                        throw LoadError("gave up on \(name) after \(transientRetries) tries: \(error.description)")
                    }
                    log("\(name): \(error.description); retrying in \(Backoff.text(pause))")
                    try await Task.sleep(for: pause)
                case .statementTimeout:
                    timeouts += 1
                    let lines = batch.raw.lines.count
                    if timeouts == 1 {
                        log("\(name): \(error.description); retrying once as it is")
                        try await Task.sleep(for: .milliseconds(Int.random(in: 50...200)))
                        continue
                    }
                    guard lines > 1 else {
                        throw LoadError(error, advice: await advice(for: error))
                    }
                    linesPerTransaction = min(linesPerTransaction, max(1, lines / 2))
                    successesSinceSplit = 0
                    log("\(name): \(error.description) again; writing its \(lines) lines in two transactions")
                    let (first, second) = batch.split(at: lines / 2)
                    var counts = try await write(first)
                    counts += try await write(second)
                    return counts
                case .rowData, .stop:
                    throw LoadError(error, advice: await advice(for: error))
                }
            }
        }
    }

    /// What the operator should do about an error that stops the load.
    private func advice(for error: PostgresError) async -> String {
        let role = await connection?.endpoint.roleName ?? "the loader's role"
        return LoadError.advice(for: error, role: role)
    }

    var tenant: String { target.tenant }

    /// Runs `body` on this writer's connection (reconnecting first if needed), outside a batch.
    @discardableResult
    func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await body(try await connect())
    }

    private func connect() async throws -> PostgresConnection {
        if let connection, await connection.isOpen { return connection }
        let fresh = try await LoaderConnection.open(target.connectionString, tenant: target.tenant, settings: target.sessionSettings)
        if target.announcesLoading {
            try await fresh.query("SELECT pg_advisory_lock_shared(\(LoadTarget.loadingLockKey))")
        }
        connection = fresh
        return fresh
    }

    /// Creates the monthly partitions the batch needs, in their own short transaction (creation is
    /// idempotent, and holding its lock for a whole batch would serialize the writers).
    private func ensurePartitions(for batch: ValidatedBatch, on connection: PostgresConnection) async throws {
        let microsPerDay: Int64 = 86_400_000_000
        var missing: [Int64] = []
        var seen = Set<Int64>()
        for (_, event) in batch.accepted {
            let day = event.occurredAt >= 0 ? event.occurredAt / microsPerDay : (event.occurredAt - microsPerDay + 1) / microsPerDay
            let (year, month, _) = CivilDate.fromDaysSinceUnixEpoch(day)
            let monthKey = year * 12 + month - 1
            if !knownMonths.contains(monthKey) && seen.insert(monthKey).inserted {
                missing.append(CivilDate.daysSinceUnixEpoch(year: year, month: month, day: 1) * microsPerDay)
            }
        }
        guard !missing.isEmpty else { return }
        try await connection.query("""
            SELECT count(*) FROM unnest(\(PostgresInt64Array(missing))::int8[]) AS m(us),
                 LATERAL sluice_ensure_event_partition(timestamptz 'epoch' + m.us * interval '1 microsecond')
            """)
        knownMonths.formUnion(seen)
    }

    private func writeOnce(_ whole: ValidatedBatch, on connection: PostgresConnection) async throws -> BatchCounts {
        var batch = whole
        let batchID = "\(target.runID)-\(batch.raw.sequence)\(batch.raw.part)"
        try await connection.execute(unsafeSQL: "BEGIN")
        do {
            // After a lost connection the COMMIT may have landed: then this batch is done.
            let committed = try await connection.query("""
                SELECT read_count, loaded_count, duplicate_count, rejected_count, sampled_out_count, suppressed_count
                FROM batch_operations WHERE tenant_id = \(target.tenant) AND batch_id = \(batchID)
                """)
            if let row = committed.first {
                try await connection.execute(unsafeSQL: "ROLLBACK")
                var counts = BatchCounts(
                    read: try row.decode("read_count", as: Int.self), loaded: try row.decode("loaded_count", as: Int.self),
                    duplicates: try row.decode("duplicate_count", as: Int.self), rejected: try row.decode("rejected_count", as: Int.self),
                    droppedByPolicy: try row.decode("sampled_out_count", as: Int.self))
                counts.suppressed = try row.decode("suppressed_count", as: Int.self)
                return counts
            }
            // Queue messages another consumer already committed are duplicates (Redis); a Kafka
            // partition whose stored offset moved rolls the batch back (QueuePositionMoved).
            var alreadyCommitted = 0
            if let queue = batch.raw.queue {
                let skip = try await recordQueuePosition(queue, batchID: batchID, on: connection)
                if !skip.isEmpty {
                    batch = batch.removingLines(skip)
                    alreadyCommitted = skip.count
                }
            }
            var counts = BatchCounts(read: batch.raw.lines.count, duplicates: alreadyCommitted, droppedByPolicy: batch.droppedByPolicy)

            // Erased subjects: checked under the tenant's suppression lock, which an erasure takes
            // exclusively between its tombstones and its deletes (SuppressionList).
            // (Two statements, not one: the tombstones must be read with a snapshot taken after the
            // lock was granted, or a batch that waited out an erasure would miss its tombstones.)
            try await SuppressionList.lock(tenant: target.tenant, on: connection)
            try await suppression.update(tenant: target.tenant, on: connection)
            let suppressed = suppression.isEmpty ? []
                : try suppression.suppressed(batch.accepted.map(\.event), contract: target.contract, key: target.subjectHashKey)
            counts.suppressed = suppressed.count

            // In-batch duplicates, then the ledger decides which keys are new.
            var seenKeys = Set<String>()
            var candidates: [Int] = []
            candidates.reserveCapacity(batch.accepted.count)
            for (position, item) in batch.accepted.enumerated() {
                if suppressed.contains(position) { continue }
                if let key = item.event.idempotencyKey, !seenKeys.insert(key).inserted {
                    counts.duplicates += 1
                    continue
                }
                candidates.append(position)
            }
            let newKeys = try await recordKeys(batch, candidates: candidates, batchID: batchID, on: connection)
            var toLoad: [Int] = []
            toLoad.reserveCapacity(candidates.count)
            for position in candidates {
                if let key = batch.accepted[position].event.idempotencyKey, !newKeys.contains(key) {
                    counts.duplicates += 1
                } else {
                    toLoad.append(position)
                }
            }

            let refused = try await copyBisecting(batch, positions: toLoad, batchID: batchID, on: connection)
            var rejections = batch.rejected
            if !refused.isEmpty {
                // The server refused these rows: dead-letter them and free their keys for a replay.
                let keys = refused.compactMap { batch.accepted[$0.position].event.idempotencyKey }
                try await connection.query("""
                    DELETE FROM event_idempotency_keys
                    WHERE tenant_id = \(target.tenant) AND contract = \(target.contract.rawValue) AND idempotency_key = ANY(\(keys))
                    """)
                for failure in refused {
                    rejections.append(.init(lineIndex: batch.accepted[failure.position].lineIndex,
                                            errors: [FieldError(field: "", message: "PostgreSQL refused the row: \(failure.message)")]))
                }
            }
            counts.loaded = toLoad.count - refused.count
            counts.rejected = rejections.count
            counts.missingMedicalKey = rejections.count { $0.errors.contains(where: \.isMissingMedicalKey) }

            if target.replay {
                try await updateReplayed(batch: batch, stillRejected: rejections, batchID: batchID, on: connection)
            } else {
                try await deadLetter(rejections, batch: batch, batchID: batchID, on: connection)
            }
            let refusedSet = Set(refused.map(\.position))
            try await markDirtyBuckets(toLoad.filter { !refusedSet.contains($0) }.map { batch.accepted[$0].event.occurredAt },
                                       batchID: batchID, on: connection)
            try await connection.query("""
                INSERT INTO batch_operations (batch_id, status, total_events, tenant_id, source, contract, read_count, loaded_count,
                                              duplicate_count, rejected_count, sampled_out_count, suppressed_count, start_offset, end_offset)
                VALUES (\(batchID), 'completed', \(counts.read), \(target.tenant), \(target.source), \(target.contract.rawValue),
                        \(counts.read), \(counts.loaded), \(counts.duplicates), \(counts.rejected), \(counts.droppedByPolicy),
                        \(counts.suppressed), \(batch.raw.startOffset), \(batch.raw.endOffset))
                """)
            if target.checkpointed {
                // Two loaders of one input may cut it into different batches: a range keeps its
                // farthest end, and the fingerprint of that end.
                try await connection.query("""
                    INSERT INTO load_checkpoints (tenant_id, contract, source, start_offset, end_offset, end_line, batch_id,
                                                  file_device, file_inode, end_fingerprint)
                    VALUES (\(target.tenant), \(target.contract.rawValue), \(target.source), \(batch.raw.startOffset),
                            \(batch.raw.endOffset), \(batch.raw.lines.last?.number ?? 0), \(batchID),
                            \(target.identity?.storedDevice), \(target.identity?.storedInode), \(PostgresBytes(batch.raw.endFingerprint)))
                    ON CONFLICT (tenant_id, contract, source, start_offset) DO UPDATE
                    SET end_fingerprint = CASE WHEN EXCLUDED.end_offset >= load_checkpoints.end_offset
                                               THEN EXCLUDED.end_fingerprint ELSE load_checkpoints.end_fingerprint END,
                        end_offset = GREATEST(load_checkpoints.end_offset, EXCLUDED.end_offset),
                        end_line = GREATEST(load_checkpoints.end_line, EXCLUDED.end_line),
                        file_device = EXCLUDED.file_device, file_inode = EXCLUDED.file_inode,
                        batch_id = EXCLUDED.batch_id, committed_at = now()
                    """)
            }
            if let queue = batch.raw.queue {
                try await advanceRedisPosition(queue, batchID: batchID, on: connection)
            }
            try await connection.execute(unsafeSQL: "COMMIT")
            return counts
        } catch {
            if await connection.isOpen { _ = try? await connection.execute(unsafeSQL: "ROLLBACK") }
            throw error
        }
    }

    /// Moves the Redis group's stored position forward, last thing before COMMIT: the row is one
    /// per group, and its lock is held until COMMIT, so parallel writers queue on it only briefly.
    private func advanceRedisPosition(_ queue: QueueProgress, batchID: String, on connection: PostgresConnection) async throws {
        guard queue.kind == .redis, let newest = queue.messages.max(by: { $0.offset < $1.offset }) else { return }
        try await connection.query("""
            INSERT INTO queue_positions (tenant_id, kind, queue, group_name, partition, position, next_offset, batch_id)
            VALUES (\(target.tenant), 'redis', \(queue.queue), \(queue.group), 0, \(newest.id), \(newest.offset), \(batchID))
            ON CONFLICT (tenant_id, kind, queue, group_name, partition) DO UPDATE
            SET position = EXCLUDED.position, next_offset = EXCLUDED.next_offset, batch_id = EXCLUDED.batch_id, updated_at = now()
            WHERE queue_positions.next_offset IS NULL OR queue_positions.next_offset < EXCLUDED.next_offset
            """)
    }

    /// Records the queue position the batch advances (see `QueueProgress`) and returns the lines
    /// whose messages were committed before (Redis).
    private func recordQueuePosition(_ queue: QueueProgress, batchID: String, on connection: PostgresConnection) async throws -> Set<Int> {
        switch queue.kind {
        case .redis:
            let age = queue.readAt.duration(to: .now)
            guard age < QueueProgress.staleAfter else { throw QueueBatchStale(age: age) }
            // First deliveries cannot overlap one another: they share the group's lock. A redelivered
            // batch holds it alone, so its check below sees every batch committed before it.
            let lockName = "sluice.queue_message_ledger/\(target.tenant)/\(queue.queue)/\(queue.group)"
            if queue.fresh {
                try await connection.query("SELECT pg_advisory_xact_lock_shared(hashtextextended(\(lockName), 0))")
            } else {
                try await lockLedgerExclusively(lockName, readAt: queue.readAt, on: connection)
            }
            let ids = queue.messages.map(\.offset)
            guard let first = ids.min(), let last = ids.max() else { return [] }
            var seen = Set<Int64>()
            for row in try await connection.query("""
                SELECT DISTINCT s.id FROM queue_message_ledger AS l, unnest(l.ids) AS s(id)
                WHERE l.tenant_id = \(target.tenant) AND l.queue = \(queue.queue) AND l.group_name = \(queue.group)
                  AND l.last_id >= \(first) AND l.first_id <= \(last)
                  AND s.id = ANY(\(PostgresInt64Array(ids))::int8[])
                """) {
                seen.insert(try row[0].decode(Int64.self))
            }
            try await connection.query("""
                INSERT INTO queue_message_ledger (tenant_id, queue, group_name, batch_id, first_id, last_id, ids)
                VALUES (\(target.tenant), \(queue.queue), \(queue.group), \(batchID), \(first), \(last), \(PostgresInt64Array(ids))::int8[])
                ON CONFLICT (tenant_id, queue, group_name, batch_id) DO NOTHING
                """)
            // Within the batch too: an entry listed twice (claimed while also read) counts once.
            var kept = Set<Int64>()
            return Set(queue.messages.indices.filter { seen.contains(queue.messages[$0].offset) || !kept.insert(queue.messages[$0].offset).inserted })
        case .kafka:
            var ranges: [Int32: (from: Int64, to: Int64)] = [:]
            for message in queue.messages {
                let range = ranges[message.partition] ?? (queue.starts[message.partition] ?? message.offset, message.offset + 1)
                ranges[message.partition] = (min(range.from, message.offset), max(range.to, message.offset + 1))
            }
            let ordered = ranges.sorted { $0.key < $1.key }
            let moved = try await connection.query("""
                WITH wanted AS (
                    SELECT p.partition, p.from_offset, p.to_offset
                    FROM unnest(\(PostgresInt64Array(ordered.map { Int64($0.key) }))::int8[],
                                \(PostgresInt64Array(ordered.map { $0.value.from }))::int8[],
                                \(PostgresInt64Array(ordered.map { $0.value.to }))::int8[]) AS p(partition, from_offset, to_offset)
                ),
                created AS (
                    INSERT INTO queue_positions (tenant_id, kind, queue, group_name, partition, position, next_offset, batch_id)
                    SELECT \(target.tenant), 'kafka', \(queue.queue), \(queue.group), w.partition, w.to_offset::text, w.to_offset, \(batchID)
                    FROM wanted AS w
                    ON CONFLICT (tenant_id, kind, queue, group_name, partition) DO NOTHING
                    RETURNING partition
                ),
                advanced AS (
                    UPDATE queue_positions AS q
                    SET next_offset = w.to_offset, position = w.to_offset::text, batch_id = \(batchID), updated_at = now()
                    FROM wanted AS w
                    WHERE q.tenant_id = \(target.tenant) AND q.kind = 'kafka' AND q.queue = \(queue.queue)
                      AND q.group_name = \(queue.group) AND q.partition = w.partition AND q.next_offset = w.from_offset
                    RETURNING q.partition
                )
                SELECT w.partition FROM wanted AS w
                WHERE w.partition NOT IN (SELECT partition FROM created) AND w.partition NOT IN (SELECT partition FROM advanced)
                """)
            guard moved.isEmpty else {
                throw QueuePositionMoved(partitions: try moved.map { Int32(try $0[0].decode(Int64.self)) })
            }
            return []
        }
    }

    /// Takes the group's ledger lock exclusively, waiting in PostgreSQL's lock queue (so a stream
    /// of shared holders cannot starve it) 5 s at a time: a consumer stalled inside a transaction
    /// holds its shared lock until it resumes or its session ends. Gives up (QueueBatchStale) when
    /// the batch grows stale, so its entries are read again.
    private func lockLedgerExclusively(_ lockName: String, readAt: ContinuousClock.Instant, on connection: PostgresConnection) async throws {
        let previous = try await connection.query("SELECT current_setting('lock_timeout') AS value")[0].decode("value", as: String.self)
        for attempt in 1... {
            try await connection.execute(unsafeSQL: "SAVEPOINT sluice_ledger_lock")
            let locked: Bool
            do {
                try await connection.query("SELECT set_config('lock_timeout', '5s', true)")
                try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(lockName), 0))")
                locked = true
            } catch {
                guard error.sqlState == "55P03" else { throw error }
                locked = false
            }
            if locked {
                try await connection.query("SELECT set_config('lock_timeout', \(previous), true)")
                try await connection.execute(unsafeSQL: "RELEASE SAVEPOINT sluice_ledger_lock")
                return
            }
            try await connection.execute(unsafeSQL: "ROLLBACK TO SAVEPOINT sluice_ledger_lock; RELEASE SAVEPOINT sluice_ledger_lock")
            let age = readAt.duration(to: .now)
            if age >= QueueProgress.staleAfter { throw QueueBatchStale(age: age) }
            if attempt % 6 == 0 {
                log("redelivered entries waited \(attempt * 5) s for another consumer's open transaction on the same group (a stalled consumer?)")
            }
        }
    }

    /// Inserts the candidates' keys into the ledger (sorted, so concurrent writers lock in the same
    /// order) and returns the keys that were new.
    private func recordKeys(_ batch: ValidatedBatch, candidates: [Int], batchID: String, on connection: PostgresConnection) async throws -> Set<String> {
        var keyed: [(key: String, occurredAt: Int64)] = []
        keyed.reserveCapacity(candidates.count)
        for position in candidates {
            let event = batch.accepted[position].event
            if let key = event.idempotencyKey { keyed.append((key, event.occurredAt)) }
        }
        guard !keyed.isEmpty else { return [] }
        keyed.sort { $0.key < $1.key }
        let rows = try await connection.query("""
            INSERT INTO event_idempotency_keys (tenant_id, contract, idempotency_key, occurred_at, batch_id)
            SELECT \(target.tenant), \(target.contract.rawValue), k.key, timestamptz 'epoch' + k.us * interval '1 microsecond', \(batchID)
            FROM unnest(\(keyed.map(\.key))::text[], \(PostgresInt64Array(keyed.map(\.occurredAt)))::int8[]) WITH ORDINALITY AS k(key, us, n)
            ORDER BY k.n
            ON CONFLICT (tenant_id, contract, idempotency_key) DO NOTHING
            RETURNING idempotency_key
            """)
        var fresh = Set<String>(minimumCapacity: rows.count)
        for row in rows { fresh.insert(try row[0].decode(String.self)) }
        return fresh
    }

    static let copyStatement: PostgresQuery = """
        COPY events (type, occurred_at, producer, source_service, user_id, order_id, session_id, trace_id,
                     idempotency_key, tenant_id, data_json, contract, schema_version, batch_id, flags)
        FROM STDIN WITH (FORMAT binary)
        """

    /// COPYs the rows at `positions`. Should the server refuse one (validation makes that a bug, not
    /// an expectation), bisect under savepoints to find each refused row, and load the rest.
    private func copyBisecting(_ batch: ValidatedBatch, positions: [Int], batchID: String,
                               on connection: PostgresConnection) async throws -> [(position: Int, message: String)] {
        guard !positions.isEmpty else { return [] }
        try await connection.execute(unsafeSQL: "SAVEPOINT sluice_copy")
        do {
            try await copy(batch, positions: positions, batchID: batchID, on: connection)
            try await connection.execute(unsafeSQL: "RELEASE SAVEPOINT sluice_copy")
            return []
        } catch let error as PostgresError where error.recovery == .rowData {
            try await connection.execute(unsafeSQL: "ROLLBACK TO SAVEPOINT sluice_copy; RELEASE SAVEPOINT sluice_copy")
            if positions.count == 1 {
                log("batch \(batch.raw.sequence): line \(batch.raw.lines[batch.accepted[positions[0]].lineIndex].number) refused by PostgreSQL: \(error.description)")
                return [(positions[0], error.description)]
            }
            let middle = positions.count / 2
            let first = try await copyBisecting(batch, positions: Array(positions[..<middle]), batchID: batchID, on: connection)
            let second = try await copyBisecting(batch, positions: Array(positions[middle...]), batchID: batchID, on: connection)
            return first + second
        }
    }

    private func copy(_ batch: ValidatedBatch, positions: [Int], batchID: String, on connection: PostgresConnection) async throws {
        let schemaVersionLimit = Int(Int16.max)
        try await connection.copyFromBinary(Self.copyStatement) { writer in
            for position in positions {
                let event = batch.accepted[position].event
                try writer.beginRow(fieldCount: 15)
                // Columns straight from the event's buffer: no String per column.
                func text(_ column: CanonicalEvent.Column) {
                    event.withBytes(column) { bytes in
                        if let bytes { writer.writeText(UnsafeRawBufferPointer(bytes)) } else { writer.writeNull() }
                    }
                }
                text(.type)
                writer.write(PostgresTimestamp(microsecondsSinceUnixEpoch: event.occurredAt))
                text(.producer)
                text(.sourceService)
                text(.userId)
                text(.orderId)
                text(.sessionId)
                text(.traceId)
                text(.idempotencyKey)
                writer.write(event.tenantId)
                event.withBytes(.payload) { writer.writeJSONB(UnsafeRawBufferPointer($0 ?? UnsafeBufferPointer(start: nil, count: 0))) }
                writer.write(event.contract)
                writer.write(int16: Int16(min(event.schemaVersion, schemaVersionLimit)))
                writer.write(batchID)
                writer.write(textArray: event.flags)
            }
        }
    }

    private func deadLetter(_ rejections: [ValidatedBatch.Rejection], batch: ValidatedBatch, batchID: String, on connection: PostgresConnection) async throws {
        guard !rejections.isEmpty else { return }
        let lines = rejections.map { batch.raw.lines[$0.lineIndex] }
        try await connection.query("""
            INSERT INTO rejected_events (tenant_id, source, batch_id, line_number, byte_offset, contract, raw, errors)
            SELECT \(target.tenant), \(target.source), \(batchID), r.line, r.off, \(target.contract.rawValue), r.raw, r.errors::jsonb
            FROM unnest(\(PostgresInt64Array(lines.map(\.number)))::int8[], \(PostgresInt64Array(lines.map(\.offset)))::int8[],
                        \(PostgresByteaArray(rejections.map { batch.raw.lineBytes($0.lineIndex) }))::bytea[],
                        \(rejections.map { FieldError.jsonArray($0.errors) })::text[]) AS r(line, off, raw, errors)
            ON CONFLICT (tenant_id, contract, source, byte_offset, raw_digest) DO NOTHING
            """)
    }

    /// Replay: lines that passed (loaded or duplicate) are marked replayed; the others keep waiting
    /// with today's reasons (or their own: `replayUpdatesReasons`). Matched by their ids in `rejected_events`.
    private func updateReplayed(batch: ValidatedBatch, stillRejected: [ValidatedBatch.Rejection], batchID: String,
                                on connection: PostgresConnection) async throws {
        let failed = Set(stillRejected.map(\.lineIndex))
        let passed = batch.raw.lines.indices.filter { !failed.contains($0) }.map { batch.raw.rejectIDs[$0] }
        if !passed.isEmpty {
            try await connection.query("""
                UPDATE rejected_events SET replayed_at = now(), replay_batch_id = \(batchID)
                WHERE id = ANY(\(PostgresInt64Array(passed))::int8[])
                """)
        }
        guard !stillRejected.isEmpty, target.replayUpdatesReasons else { return }
        try await connection.query("""
            UPDATE rejected_events AS r SET errors = u.errors::jsonb
            FROM unnest(\(PostgresInt64Array(stillRejected.map { batch.raw.rejectIDs[$0.lineIndex] }))::int8[],
                        \(stillRejected.map { FieldError.jsonArray($0.errors) })::text[]) AS u(id, errors)
            WHERE r.id = u.id
            """)
    }

    /// One mark per (tenant, UTC day) the batch loaded into, naming the batch (its events carry the
    /// same batch_id, so the refresh can tell them from the day's older events). Append-only: a
    /// refresh deletes exactly the marks it read, so neither ever waits for the other and no mark
    /// is lost.
    private func markDirtyBuckets(_ occurredAt: [Int64], batchID: String, on connection: PostgresConnection) async throws {
        guard !occurredAt.isEmpty else { return }
        let microsPerDay: Int64 = 86_400_000_000
        let days = Set(occurredAt.map { $0 >= 0 ? $0 / microsPerDay : ($0 - microsPerDay + 1) / microsPerDay }).sorted()
        try await connection.query("""
            INSERT INTO refresh_dirty_buckets (tenant_id, day, batch_id)
            SELECT \(target.tenant), date '1970-01-01' + d::int, \(batchID) FROM unnest(\(PostgresInt64Array(days))::int8[]) AS d
            """)
    }
}

/// A load failure worded for the operator: what happened and what to do about it.
public struct LoadError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }

    init(_ error: PostgresError, advice: String) {
        self.description = advice.isEmpty ? error.description : "\(error.description): \(advice)"
    }

    /// What to fix, for the errors that stop a load.
    static func advice(for error: PostgresError, role: String) -> String {
        // A failed connection's description already says what to do.
        guard error.code == .server else { return "" }
        let message = error.message
        let retryAdvice = "nothing of this batch was committed, so run the same command again once fixed"
        switch error.sqlState ?? "" {
        case "42501":
            let retry = retryAdvice
            if message.hasPrefix("must be owner of") || message.contains("for schema") {
                // Creating a month's partition: only the owner of `events` may.
                return "role \"\(role)\" may not create the monthly partitions this batch needs; create them ahead as the owner (`sluice partitions ensure --months-ahead 3`, e.g. from cron) or load as the owner; \(retry)"
            }
            let object = message.range(of: " for ").map { String(message[$0.upperBound...]) } ?? "the table named above"
            let privileges = object.hasPrefix("function") ? "EXECUTE" : "SELECT, INSERT, UPDATE, DELETE"
            return "grant \(privileges) on \(object) to role \"\(role)\", or connect as a role that has them (the one that ran `sluice migrate` does); \(retry)"
        case "42P01", "42883", "42703":
            return "this database is not migrated for this version of sluice: run `sluice migrate` first"
        case "25006":
            return "the server is read-only (a standby?): point DATABASE_URL at the primary"
        case "0A000" where message.contains("row-level security"):
            return "PostgreSQL cannot COPY into a table under row-level security: load as a member of sluice_loader (GRANT sluice_loader TO \"\(role)\"), whose BYPASSRLS the loader takes on; \(retryAdvice)"
        case "57014":
            return "statement_timeout cancels even a one-line batch: raise it for role \"\(role)\" (ALTER ROLE \"\(role)\" SET statement_timeout = '60s') or for the database; nothing of it was committed"
        case "3D000", "28000", "28P01":
            return ""
        default:
            return "nothing of the batch was committed and its lines stay unread; fix the cause and run the same command again"
        }
    }
}

extension String {
    /// The user of a `postgres://user@host:port/db` endpoint.
    var roleName: String? {
        guard let scheme = range(of: "://"), let at = self[scheme.upperBound...].firstIndex(of: "@") else { return nil }
        return String(self[scheme.upperBound..<at])
    }
}
