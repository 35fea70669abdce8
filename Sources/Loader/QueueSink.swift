import EventContracts
import Foundation
import Postgres

/// Where one queue message sits in its queue: what the consumers hand the loader beside its bytes.
public struct QueueMessageRef: Sendable, Equatable {
    /// Redis: the stream entry id (`1700000000000-0`); Kafka: `partition:offset`.
    public var id: String
    /// Kafka partition (0 for Redis).
    public var partition: Int32
    /// Kafka offset; for Redis the entry id packed (`RedisStreamID.packed`).
    public var offset: Int64

    public init(id: String, partition: Int32, offset: Int64) {
        self.id = id
        self.partition = partition
        self.offset = offset
    }

    /// Bits of a dead letter's `byte_offset` below the partition.
    public static let partitionShift: Int64 = 40

    /// The dead letter's `byte_offset` (part of its unique key with the source and the raw bytes):
    /// the partition above bit 40, the offset below, so equal messages at the same offset of two
    /// partitions stay two dead letters. Redis (partition 0): the packed entry id. Its `line_number`
    /// is the offset alone. `sluice rejects` prints both back as the queue names them.
    public var deadLetterPosition: Int64 {
        (Int64(partition) << Self.partitionShift) | offset
    }
}

/// The queue position a batch advances, committed in the batch's transaction.
///
/// - Redis: the batch's entry ids go into `queue_message_ledger`; an entry some batch already
///   committed — claimed after a crash between COMMIT and XACK, or taken over from a slow consumer —
///   is a duplicate, never loaded again. Fresh batches (first deliveries, which no other batch can
///   hold) take the group's advisory lock shared; redelivered ones take it exclusively, so their
///   check sees every copy committed before them. A batch read longer than `staleAfter` ago is
///   refused (``QueueBatchStale``): the ledger keeps ids for `QueueProgress.ledgerRetention`, which
///   must outlast any copy still in flight. The consumer acknowledges after COMMIT.
/// - Kafka: per partition, the stored next offset must equal the batch's first offset and becomes
///   its last + 1 (an optimistic check): a batch from a consumer that lost the partition in a
///   rebalance finds the offset moved and is rolled back, whole.
public struct QueueProgress: Sendable, Equatable {
    public enum Kind: String, Sendable { case redis, kafka }

    public var kind: Kind
    /// The stream or topic.
    public var queue: String
    public var group: String
    /// Per line of the batch, in the same order.
    public var messages: [QueueMessageRef]
    /// Redis: every message is a first delivery (XREADGROUP >): no other first-delivery batch can
    /// hold it, so such batches share the group's lock; a redelivered copy (claimed while this
    /// consumer stalled) may have committed first, which the ledger check still finds.
    public var fresh: Bool
    /// When the messages were read; a batch not committed within `staleAfter` of it is refused.
    public var readAt: ContinuousClock.Instant
    /// Kafka: per partition, the offset this consumer read from (the stored offset it expects);
    /// a partition missing here starts at its first message's offset. Offsets may skip (compaction,
    /// transaction markers), so the start is not always the previous batch's last offset + 1.
    public var starts: [Int32: Int64] = [:]

    /// How long a read batch may take to commit (Redis): past it, its entries are read again.
    public static let staleAfter: Duration = .seconds(600)
    /// How long the Redis ledger keeps a batch's ids: a copy of an entry is read before the entry
    /// is acknowledged and commits within `staleAfter` of that read, so twice that is ample.
    public static let ledgerRetention: Duration = .seconds(1_800)

    public init(kind: Kind, queue: String, group: String, messages: [QueueMessageRef], fresh: Bool = true,
                readAt: ContinuousClock.Instant = .now) {
        self.kind = kind
        self.queue = queue
        self.group = group
        self.messages = messages
        self.fresh = fresh
        self.readAt = readAt
    }
}

/// A Redis batch read more than `QueueProgress.staleAfter` ago (its consumer stalled): not
/// committed, since the ledger may have forgotten a copy committed elsewhere. Its entries stay
/// pending and are read again.
public struct QueueBatchStale: Error, CustomStringConvertible {
    public var age: Duration
    public var description: String { "a batch read \(age) ago was not committed (older than \(QueueProgress.staleAfter)); its entries will be read again" }
}

/// A Kafka partition's committed offset moved under this batch: another consumer took the partition
/// and committed first. Nothing of the batch was committed; re-read the partition from the stored offset.
public struct QueuePositionMoved: Error, CustomStringConvertible {
    public var partitions: [Int32]
    public var description: String {
        "the stored offsets of partitions \(partitions.map(String.init).joined(separator: ", ")) moved: another consumer committed them first"
    }
}

/// What a queue consumer needs to load its messages with the same validation, privacy, dedup and
/// dead letter as `sluice load`: one per consumer, shared by its writer tasks.
public struct QueueSink: Sendable {
    public struct Options: Sendable {
        public var connectionString: String
        public var contract: Contract = .pocm
        public var tenant: String = "default"
        /// The dead letter's source name, e.g. `redis:events/loaders`.
        public var source: String
        public var privacy = PrivacyPolicy()
        /// How long a batch keeps retrying a lost connection.
        public var retryWindow: Duration = .seconds(600)
        /// How long the first connection waits for a server that refuses connections.
        public var startRetryWindow: Duration = .seconds(10)
        /// A consumer frozen between the statements of its batch transaction (SIGSTOP, a stopped
        /// container) would hold its locks, and so block the member that took its partitions or
        /// entries over, until it resumes: PostgreSQL ends such a session after this long
        /// (`idle_in_transaction_session_timeout`), rolling the batch back; the consumer, if it
        /// resumes, reconnects and finds its messages re-read by the other. The writers never wait
        /// on anything but PostgreSQL inside a transaction, so an active one never reaches it.
        public var idleInTransactionTimeout: Duration = .seconds(60)
        /// When the run's first this-many messages are all rejected for the same reason, the
        /// consumer stops before committing or acknowledging any of them (``MisconfigurationCheck``);
        /// 0 turns the check off.
        public var misconfigurationLines = MisconfigurationCheck.defaultLines
        /// While the check holds the first messages back, how long without a new batch counts as
        /// the end of the input (then fewer than ``MisconfigurationCheck/minimumLines`` commit, more stop).
        public var misconfigurationQuiet: Duration = Self.defaultMisconfigurationQuiet
        public static let defaultMisconfigurationQuiet: Duration = .seconds(5)

        public init(connectionString: String, source: String) {
            self.connectionString = connectionString
            self.source = source
        }
    }

    let options: Options
    let validator: BatchValidator
    let runID: String
    /// Shared by every writer of the consumer: the run's first messages decide.
    let misconfiguration: MisconfigurationGate

    /// Reads the tenant's policies and the accepted window (waiting up to `startRetryWindow` for a
    /// server that refuses connections; failing at once on one that cannot heal).
    public static func prepare(_ options: Options, registry: EventContractRegistry,
                               log: @Sendable (String) -> Void = { _ in }) async throws -> QueueSink {
        let (oldest, privacy, sampling, optOut) = try await LoaderConnection.withConnection(
            options.connectionString, tenant: options.tenant, waitingFor: options.startRetryWindow, log: log
        ) { connection in
            let oldest = try await AcceptedWindow.oldestOccurredAt(on: connection)
            let (privacy, sampling, optOut) = try await PolicyStore(connection: connection).context(tenant: options.tenant, keys: options.privacy)
            return (oldest, privacy, sampling, optOut)
        }
        var context = NormalizationContext(tenantId: options.tenant, privacy: privacy)
        context.sampling = sampling
        context.optOut = optOut
        let validator = BatchValidator(registry: registry, contract: options.contract, context: context, oldestAcceptedOccurredAt: oldest)
        let runID = "q" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(15)
        let gate = MisconfigurationGate(lines: options.misconfigurationLines, validator: validator, queueMessages: true,
                                        quiet: options.misconfigurationQuiet)
        return QueueSink(options: options, validator: validator, runID: String(runID), misconfiguration: gate)
    }

    /// A writer for one task: its own connection, its own batch numbers.
    public func makeWriter(index: Int, log: @escaping @Sendable (String) -> Void) -> QueueWriter {
        var target = LoadTarget(connectionString: options.connectionString, tenant: options.tenant, contract: options.contract,
                                source: options.source, checkpointed: false, runID: "\(runID)-\(index)", retryWindow: options.retryWindow)
        target.replay = false
        target.subjectHashKey = options.privacy.piiHashSecret
        // Server-side keepalives find a consumer whose host froze or vanished (a VM paused, a
        // network partition) in about a minute instead of the kernel's two hours.
        target.sessionSettings = [
            ("idle_in_transaction_session_timeout", "\(options.idleInTransactionTimeout.wholeMilliseconds)ms"),
            ("tcp_keepalives_idle", "30"), ("tcp_keepalives_interval", "10"), ("tcp_keepalives_count", "3"),
        ]
        return QueueWriter(writer: BatchWriter(target: target, log: log), validator: validator, misconfiguration: misconfiguration)
    }
}

/// Commits batches of queue messages, one transaction each, for one task at a time.
public final class QueueWriter {
    let writer: BatchWriter  // internal: tests hold a transaction open on its connection
    private let validator: BatchValidator
    private let misconfiguration: MisconfigurationGate
    private var sequence = 0

    init(writer: BatchWriter, validator: BatchValidator, misconfiguration: MisconfigurationGate) {
        self.writer = writer
        self.validator = validator
        self.misconfiguration = misconfiguration
    }

    /// Validates `messages` and commits them with the queue position (see ``QueueProgress``).
    /// `rejections` dead-letters messages without validating them (index → reason): a message
    /// delivered too often, an entry without the event field.
    /// While the consumer's first messages all fail the same way, this waits for the
    /// ``MisconfigurationCheck`` to decide before committing anything.
    /// - Throws: ``QueuePositionMoved`` (Kafka) when another consumer committed the partition first;
    ///   ``LoadError`` when the database refuses the work; ``Misconfiguration`` when the first
    ///   messages show the command is wrong (nothing committed: the consumer must not acknowledge).
    public func commit(_ messages: [[UInt8]], progress: QueueProgress, rejections: [Int: String] = [:]) async throws -> BatchCounts {
        precondition(messages.count == progress.messages.count, "one position per message")
        var raw = RawBatch(sequence: sequence, startOffset: 0)
        sequence += 1
        for (index, bytes) in messages.enumerated() {
            let position = progress.messages[index]
            raw.lines.append(RawBatch.Line(start: raw.bytes.count, length: bytes.count, number: position.offset,
                                           offset: position.deadLetterPosition, droppedBytes: 0))
            raw.bytes.append(contentsOf: bytes)
        }
        raw.queue = progress
        var validated = await validator.validate(raw)
        if !rejections.isEmpty {
            validated = validated.removingLines(Set(rejections.keys))
            for (index, reason) in rejections.sorted(by: { $0.key < $1.key }) {
                validated.rejected.append(.init(lineIndex: index, errors: [FieldError(field: "", message: reason)]))
            }
        }
        // Poison ("poison: delivered N times", RedisConsumer.prepare) is the message's own history,
        // not the command's fault: it neither counts toward the check nor clears it.
        let poison = Set(rejections.filter { $0.value.hasPrefix("poison") }.map(\.key))
        try await misconfiguration.admitWhenDecided(validated, ignoring: poison)
        return try await writer.write(validated)
    }

    /// Deletes Redis ledger rows older than `QueueProgress.ledgerRetention`: no copy of their
    /// entries can still commit (see ``QueueProgress``). Returns how many went.
    @discardableResult
    public func pruneLedger(queue: String, group: String) async throws -> Int {
        let seconds = Int(QueueProgress.ledgerRetention.components.seconds)
        return try await writer.withConnection { connection in
            try await connection.query("""
                DELETE FROM queue_message_ledger
                WHERE tenant_id = \(self.writer.tenant) AND queue = \(queue) AND group_name = \(group)
                  AND committed_at < now() - make_interval(secs => \(seconds))
                RETURNING 1
                """).count
        }
    }

    /// Records the lag the queue reported for a consumer group's partition (for `sluice status`).
    public func recordLag(kind: QueueProgress.Kind, queue: String, group: String, partition: Int32, lag: Int64) async throws {
        try await writer.withConnection { connection in
            try await connection.query("""
                UPDATE queue_positions SET lag = \(lag)
                WHERE tenant_id = \(self.writer.tenant) AND kind = \(kind.rawValue) AND queue = \(queue)
                  AND group_name = \(group) AND partition = \(Int(partition))
                """)
        }
    }

    /// The stored next offsets of a Kafka topic's partitions for a group (nil: none stored yet).
    public func storedOffsets(topic: String, group: String, partitions: [Int32]) async throws -> [Int32: Int64] {
        try await writer.withConnection { connection in
            var result: [Int32: Int64] = [:]
            for row in try await connection.query("""
                SELECT partition, next_offset FROM queue_positions
                WHERE tenant_id = \(self.writer.tenant) AND kind = 'kafka' AND queue = \(topic) AND group_name = \(group)
                  AND partition = ANY(\(PostgresInt64Array(partitions.map { Int64($0) }))::int8[]) AND next_offset IS NOT NULL
                """) {
                result[Int32(try row.decode("partition", as: Int.self))] = try row.decode("next_offset", as: Int64.self)
            }
            return result
        }
    }

    public func close() async {
        await writer.close()
    }
}

/// A Redis stream entry id (`<ms>-<seq>`), ordered as Redis orders them.
public struct RedisStreamID: Comparable, Sendable {
    public var milliseconds: UInt64
    public var sequence: UInt64

    /// Parses `<ms>-<seq>` (a missing or malformed part reads as 0). Byte by byte: it runs twice
    /// per consumed entry, and splitting into substrings cost ~9 % of the consumer's CPU.
    public init(_ text: String) {
        var milliseconds: UInt64 = 0
        var sequence: UInt64 = 0
        var inSequence = false
        var valid = true
        for byte in text.utf8 {
            if byte == UInt8(ascii: "-"), !inSequence {
                inSequence = true
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                let digit = UInt64(byte - UInt8(ascii: "0"))
                if inSequence {
                    let (times, overflow1) = sequence.multipliedReportingOverflow(by: 10)
                    let (plus, overflow2) = times.addingReportingOverflow(digit)
                    if overflow1 || overflow2 { valid = false; break }
                    sequence = plus
                } else {
                    let (times, overflow1) = milliseconds.multipliedReportingOverflow(by: 10)
                    let (plus, overflow2) = times.addingReportingOverflow(digit)
                    if overflow1 || overflow2 { valid = false; break }
                    milliseconds = plus
                }
            } else {
                valid = false
                break
            }
        }
        self.milliseconds = valid ? milliseconds : 0
        self.sequence = valid ? sequence : 0
    }

    /// Packed into a signed 64-bit position, `ms << 21 | seq`: exact for sequence numbers below
    /// 2²¹ (Redis-generated ids never come close: that is two million entries in one millisecond)
    /// and milliseconds before the year 2109; larger parts saturate. The ledger's and the dead
    /// letter's position.
    public var packed: Int64 {
        let ms = min(milliseconds, UInt64(Int64.max) >> Self.sequenceBits)
        return Int64(bitPattern: (ms << Self.sequenceBits) | min(sequence, (1 << Self.sequenceBits) - 1))
    }

    private static let sequenceBits: UInt64 = 21

    /// The id a `packed` position stands for.
    public init(packed: Int64) {
        let bits = UInt64(bitPattern: packed)
        milliseconds = bits >> Self.sequenceBits
        sequence = bits & ((1 << Self.sequenceBits) - 1)
    }

    /// `<ms>-<seq>`, as Redis writes it.
    public var text: String { "\(milliseconds)-\(sequence)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.milliseconds, lhs.sequence) < (rhs.milliseconds, rhs.sequence)
    }
}
