import CRdKafka
import EventContracts
import Foundation
import Loader

/// `sluice consume kafka`: a member of a Kafka consumer group (librdkafka) feeding the loader's batch
/// writer, the exactly-once pattern of Kafka Connect sinks: offsets live in PostgreSQL
/// (`queue_positions`), written in each batch's transaction; on assignment the consumer seeks to
/// them; Kafka's own committed offsets follow after COMMIT, for lag tools only.
///
/// Each batch's commit checks, per partition, that the stored offset is where this consumer began
/// reading (``QueueProgress``). A batch read before a rebalance and committed after another member
/// took the partition finds the offset moved and rolls back whole; the consumer seeks the partition
/// to the stored offset and reads on. So a rebalance mid-batch never applies a batch twice or skips one.
public struct KafkaConsumer: Sendable {
    public struct Property: Sendable {
        public var key: String
        public var value: String
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public struct Options: Sendable {
        public var brokers: String
        public var topic: String
        public var group: String
        /// Messages per batch, at most.
        public var batchSize = 5_000
        /// How long a batch waits to fill before it is committed anyway.
        public var linger: Duration = .milliseconds(200)
        /// Exit once every assigned partition is at its end, nothing arrived for `idle`, and
        /// nothing is in flight.
        public var drain = false
        public var idle: Duration = .seconds(1)
        /// How long the brokers may stay unreachable (while librdkafka retries) before the consumer
        /// stops with exit 1. Nothing is skipped either way: the offsets live in PostgreSQL.
        public var retryWindow: Duration = .seconds(600)
        /// librdkafka properties (`-X key=value`), applied after Sluice's own.
        public var properties: [Property] = []

        public init(brokers: String, topic: String, group: String) {
            self.brokers = brokers
            self.topic = topic
            self.group = group
        }
    }

    public let options: Options
    public let sink: QueueSink

    public init(options: Options, sink: QueueSink) {
        self.options = options
        self.sink = sink
    }

    struct Batch: Sendable {
        var messages: [[UInt8]] = []
        var refs: [QueueMessageRef] = []
        var rejections: [Int: String] = [:]
        var starts: [Int32: Int64] = [:]
        /// Per message, its Kafka timestamp (ms since the epoch), or nil.
        var timestamps: [Double?] = []
    }

    public func run(stop: LoadStop = LoadStop(), progress: @escaping @Sendable (ConsumeSummary) -> Void = { _ in },
                    log: @escaping @Sendable (String) -> Void = { _ in }) async throws -> ConsumeSummary {
        let started = ContinuousClock.now
        let options = self.options
        let shared = KafkaShared()
        let lookupWriter = UncheckedBox(sink.makeWriter(index: 99, log: log))
        let lookup: @Sendable ([Int32]) -> [Int32: Int64]? = { partitions in
            let result = blockingAwait { try await lookupWriter.value.storedOffsets(topic: options.topic, group: options.group, partitions: partitions) }
            if case .failure(let error) = result { log("cannot read the stored offsets of partitions \(partitions): \(error); reading from Kafka's") }
            return try? result.get()
        }
        let client = try await BlockingClient.make(label: "sluice.kafka.poll") {
            try KafkaHandle(options: options, shared: shared, lookup: lookup, log: log)
        }
        let committer = try await client.run { $0.committer }
        let channel = AsyncChannel<Batch>(capacity: 2)
        let totals = ConsumeTotals()
        stop.onRequest { Task { await channel.close() } }

        // One writer: a partition's batches must commit in the order they were read.
        let writerTask = Task {
            let writer = sink.makeWriter(index: 0, log: log)
            do {
                while let batch = await channel.receive() {
                    defer { shared.finished() }
                    try await commit(batch, writer: writer, committer: committer, shared: shared, totals: totals, log: log)
                    progress(await totals.summary(since: started))
                }
            } catch {
                await channel.close()
                stop.request()
                await writer.close()
                throw error
            }
            await writer.close()
        }

        var lastMessage = ContinuousClock.now
        var lastProbe = ContinuousClock.now
        var failure: Error?
        do {
            while !stop.isRequested {
                let batch = try await client.run { handle in try handle.collect(max: options.batchSize, linger: options.linger) }
                if batch.refs.isEmpty {
                    if lastProbe.duration(to: .now) >= .seconds(5) {
                        lastProbe = .now
                        try await client.run { try $0.probeBrokers(window: options.retryWindow) }
                    }
                    if options.drain, lastMessage.duration(to: .now) >= options.idle, shared.inFlight == 0,
                       try await client.run({ $0.atEndOfAssignment(quiet: options.idle) }) {
                        break
                    }
                    continue
                }
                lastMessage = .now
                shared.started()
                guard await channel.send(batch) else {
                    shared.finished()
                    break
                }
            }
        } catch {
            failure = error
        }
        await channel.close()
        let writerResult = await writerTask.result
        let lags = try? await client.run { $0.currentLags() }
        // The lags stored during the run are at most 5 s old; leave the final ones for `sluice status`.
        for (partition, lag) in lags ?? [:] {
            try? await lookupWriter.value.recordLag(kind: .kafka, queue: options.topic, group: options.group, partition: partition, lag: lag)
        }
        let lag = lags.flatMap { $0.isEmpty ? nil : $0.values.reduce(0, +) } ?? shared.totalLag
        // Leave the group (revoking our partitions) so the others take them over at once.
        try? await client.run { $0.close() }
        await lookupWriter.value.close()
        if let failure { throw failure }
        try writerResult.get()
        var summary = await totals.summary(since: started)
        summary.lag = lag
        summary.stoppedBySignal = stop.isRequested && !options.drain
        return summary
    }

    private func commit(_ batch: Batch, writer: QueueWriter, committer: KafkaCommitter, shared: KafkaShared,
                        totals: ConsumeTotals, log: @escaping @Sendable (String) -> Void) async throws {
        let options = self.options
        var progress = QueueProgress(kind: .kafka, queue: options.topic, group: options.group, messages: batch.refs)
        progress.starts = batch.starts
        let counts: BatchCounts
        do {
            counts = try await writer.commit(batch.messages, progress: progress, rejections: batch.rejections)
        } catch let moved as QueuePositionMoved {
            // Another member committed these partitions first: nothing of this batch committed.
            // Read every partition of the batch again from its stored offset.
            log("\(moved.description); reading them again from the stored offsets")
            shared.requestReseek(batch.starts)
            await totals.add(BatchCounts(), acknowledged: 0, redelivered: batch.refs.count, poison: 0, bytes: 0, latencies: [])
            return
        }
        let committedAt = Date().timeIntervalSince1970 * 1000
        var next: [Int32: Int64] = [:]
        for ref in batch.refs { next[ref.partition] = max(next[ref.partition] ?? 0, ref.offset + 1) }
        // For lag tools: Kafka's committed offsets follow PostgreSQL's (asynchronously, best effort).
        committer.commit(next)
        await totals.add(counts, acknowledged: batch.refs.count, redelivered: 0, poison: 0,
                         bytes: Int64(batch.messages.reduce(0) { $0 + $1.count }),
                         latencies: batch.timestamps.compactMap { $0.map { committedAt - $0 } })
        if await totals.shouldRecordLag() {
            for (partition, lag) in committer.lags(next) {
                try? await writer.recordLag(kind: .kafka, queue: options.topic, group: options.group, partition: partition, lag: lag)
            }
        }
    }
}

/// Runs async work to completion from a thread that may block (the poll thread, inside a librdkafka
/// callback): the work runs on Swift's pool while this thread waits.
func blockingAwait<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) -> Result<T, Error> {
    let semaphore = DispatchSemaphore(value: 0)
    let box = ResultBox<T>()
    Task.detached {
        do { box.set(.success(try await work())) } catch { box.set(.failure(error)) }
        semaphore.signal()
    }
    semaphore.wait()
    return box.get()
}

/// `@unchecked Sendable`: `result` is only touched under `lock`.
final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, Error>?
    func set(_ value: Result<T, Error>) { lock.withLock { result = value } }
    func get() -> Result<T, Error> { lock.withLock { result ?? .failure(CancellationError()) } }
}

/// What the poll thread and the writer task share: batches in flight, partitions to seek again,
/// and the last lag seen.
///
/// `@unchecked Sendable`: every field is touched only under `lock`.
final class KafkaShared: @unchecked Sendable {
    private let lock = NSLock()
    private var flying = 0
    private var reseek: [Int32: Int64] = [:]
    private var lag: [Int32: Int64] = [:]

    func started() { lock.withLock { flying += 1 } }
    func finished() { lock.withLock { flying -= 1 } }
    var inFlight: Int { lock.withLock { flying } }

    /// Partitions whose batch was refused, with the offset the batch began at (the fallback when
    /// no offset is stored).
    func requestReseek(_ starts: [Int32: Int64]) { lock.withLock { reseek.merge(starts) { old, _ in old } } }
    func takeReseek() -> [Int32: Int64] { lock.withLock { defer { reseek = [:] }; return reseek } }

    func setLag(_ value: Int64, partition: Int32) { lock.withLock { lag[partition] = value } }
    func forgetLag(except partitions: Set<Int32>) { lock.withLock { lag = lag.filter { partitions.contains($0.key) } } }
    var totalLag: Int64? { lock.withLock { lag.isEmpty ? nil : lag.values.reduce(0, +) } }

    /// Waits (up to `limit`) until no batch is in flight: on assignment, so the stored offsets read
    /// include every batch this consumer had read.
    func waitForIdle(limit: Duration) {
        let deadline = ContinuousClock.now + limit
        while inFlight > 0 && ContinuousClock.now < deadline { usleep(20_000) }
    }
}

/// The librdkafka consumer, confined to its poll thread (a `BlockingClient` queue); the rebalance
/// callback runs on that thread too, inside `rd_kafka_consumer_poll`.
final class KafkaHandle {
    private let rk: OpaquePointer
    private let options: KafkaConsumer.Options
    private let shared: KafkaShared
    private let lookup: @Sendable ([Int32]) -> [Int32: Int64]?
    private let log: @Sendable (String) -> Void
    private var closed = false

    /// Assigned partitions; per partition, the offset the next message read should have (where the
    /// next batch begins), once known; partitions read to their end.
    private(set) var assigned = Set<Int32>()
    private var positions: [Int32: Int64] = [:]
    private var atEnd = Set<Int32>()
    /// Bumped by every rebalance: messages collected before it are dropped.
    private var generation = 0
    /// The last rebalance event was an assignment (possibly of no partitions), not a revocation
    /// with the next assignment still to come; and when it happened.
    private var settled = false
    private var lastRebalance = ContinuousClock.now
    private var lastErrorLog: [String: ContinuousClock.Instant] = [:]
    /// Since when `probeBrokers` found no broker answering.
    private var unreachableSince: ContinuousClock.Instant?
    // librdkafka logs from its own threads.
    private let libraryLogLock = NSLock()
    nonisolated(unsafe) private var libraryLogTimes: [String: ContinuousClock.Instant] = [:]

    init(options: KafkaConsumer.Options, shared: KafkaShared, lookup: @escaping @Sendable ([Int32]) -> [Int32: Int64]?,
         log: @escaping @Sendable (String) -> Void) throws {
        self.options = options
        self.shared = shared
        self.lookup = lookup
        self.log = log
        var errorText = [CChar](repeating: 0, count: 512)
        let conf = rd_kafka_conf_new()
        let settings: [(String, String)] = [
            ("bootstrap.servers", options.brokers), ("group.id", options.group), ("client.id", "sluice"),
            ("enable.auto.commit", "false"), ("enable.auto.offset.store", "false"),
            // A stored offset the broker no longer has (retention deleted messages before they were
            // read) is an error, never a silent jump: see `report`.
            ("auto.offset.reset", "error"),
            ("enable.partition.eof", "true"), ("log_level", "4"),
        ] + options.properties.map { ($0.key, $0.value) }
        for (key, value) in settings {
            guard rd_kafka_conf_set(conf, key, value, &errorText, errorText.count) == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                throw KafkaError("librdkafka property \(key): \(Self.text(errorText))")
            }
        }
        rd_kafka_conf_set_rebalance_cb(conf, kafkaRebalanceCallback)
        rd_kafka_conf_set_log_cb(conf, kafkaLogCallback)
        guard let handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errorText, errorText.count) else {
            throw KafkaError("cannot create the Kafka consumer: \(Self.text(errorText))")
        }
        rk = handle
        // The callbacks find this object in a table keyed by the handle, filled before anything can
        // call back.
        KafkaHandle.register(self, for: rk)
        do {
            try awaitTopic(window: .seconds(10))
        } catch {
            // Fully initialized, so deinit runs: it destroys the handle (never subscribed: no close).
            closed = true
            throw error
        }
        rd_kafka_poll_set_consumer(rk)
        let topics = rd_kafka_topic_partition_list_new(1)
        rd_kafka_topic_partition_list_add(topics, options.topic, RD_KAFKA_PARTITION_UA)
        let error = rd_kafka_subscribe(rk, topics)
        rd_kafka_topic_partition_list_destroy(topics)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            KafkaHandle.unregister(rk)
            rd_kafka_destroy(rk)
            throw KafkaError("cannot subscribe to \(options.topic): \(String(cString: rd_kafka_err2str(error)))")
        }
    }

    /// Fails fast, with a message that says what to check, when no broker answers or the topic does
    /// not exist: otherwise a consumer would wait for an assignment forever while librdkafka retries.
    private func awaitTopic(window: Duration) throws {
        let topic = rd_kafka_topic_new(rk, options.topic, nil)
        defer { rd_kafka_topic_destroy(topic) }
        let deadline = ContinuousClock.now + window
        while true {
            var metadata: UnsafePointer<rd_kafka_metadata_t>?
            var error = rd_kafka_metadata(rk, 0, topic, &metadata, 2_000)
            if error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata {
                defer { rd_kafka_metadata_destroy(metadata) }
                let found = metadata.pointee.topic_cnt > 0 ? metadata.pointee.topics[0] : nil
                if let found, found.err == RD_KAFKA_RESP_ERR_NO_ERROR, found.partition_cnt > 0 { return }
                error = found?.err ?? RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
            }
            if ContinuousClock.now >= deadline {
                if error == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || error == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC {
                    throw KafkaError("topic \(options.topic) does not exist on \(options.brokers) (create it, or check --topic)")
                }
                throw KafkaError("""
                    cannot reach the Kafka brokers \(options.brokers) within \(window): \(String(cString: rd_kafka_err2str(error))) \
                    (is the broker running? check --brokers, and -X security.protocol/sasl.* for a secured cluster)
                    """)
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }

    /// Asks any broker for metadata (no topics) when the consumer is idle: librdkafka retries a lost
    /// broker forever, so an idle consumer would never notice that the cluster went away.
    func probeBrokers(window: Duration) throws {
        var metadata: UnsafePointer<rd_kafka_metadata_t>?
        let error = rd_kafka_metadata(rk, 0, nil, &metadata, 2_000)
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        guard error != RD_KAFKA_RESP_ERR_NO_ERROR else {
            if unreachableSince != nil { log("Kafka: the brokers answer again") }
            unreachableSince = nil
            return
        }
        let since = unreachableSince ?? .now
        unreachableSince = since
        if since.duration(to: .now) >= window {
            throw KafkaError("""
                the Kafka brokers \(options.brokers) have not answered for \(window) (--retry-seconds): \
                \(String(cString: rd_kafka_err2str(error))). Nothing was skipped: the offsets are in PostgreSQL; \
                run again once the brokers are back
                """)
        }
    }

    /// librdkafka's own log lines, through Sluice's log; a repeated line at most every 30 s.
    fileprivate func library(level: Int32, facility: String, text: String) {
        let now = ContinuousClock.now
        let quiet = libraryLogLock.withLock {
            if let last = libraryLogTimes[facility], last.duration(to: now) < .seconds(30) { return true }
            libraryLogTimes[facility] = now
            return false
        }
        guard !quiet else { return }
        // Kafka's own committed offsets only feed lag tools (the real ones are in PostgreSQL): their
        // failing during a rebalance is expected and harmless; say so.
        let note = facility == "COMMITFAIL" ? " (Kafka's copy of the offsets, for lag tools; PostgreSQL's are committed)" : ""
        log("Kafka: \(kafkaLogText(text))\(note)")
    }

    deinit {
        close()
        rd_kafka_destroy(rk)
        KafkaHandle.unregister(rk)
    }

    /// Leaves the group (our partitions are revoked through the callback) once.
    func close() {
        guard !closed else { return }
        closed = true
        rd_kafka_consumer_close(rk)
    }

    /// True once this consumer holds an assignment (possibly empty: more members than partitions,
    /// or the first round of a cooperative rebalance), unchanged for `quiet`, and has read every
    /// assigned partition to its end.
    func atEndOfAssignment(quiet: Duration) -> Bool {
        settled && lastRebalance.duration(to: .now) >= quiet && assigned.isSubset(of: atEnd)
    }

    /// Polls up to `max` messages, waiting at most `linger` for them. Seeks partitions whose batch
    /// was refused first; drops what was collected before a rebalance.
    func collect(max: Int, linger: Duration) throws -> KafkaConsumer.Batch {
        try reseekRefused()
        let deadline = ContinuousClock.now + linger
        var batch = KafkaConsumer.Batch()
        var startGeneration = generation
        while batch.refs.count < max {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { break }
            let milliseconds = Int32(clamping: remaining.wholeMilliseconds)
            guard let message = rd_kafka_consumer_poll(rk, Swift.max(1, milliseconds)) else {
                if generation != startGeneration { batch = KafkaConsumer.Batch(); startGeneration = generation }
                continue
            }
            defer { rd_kafka_message_destroy(message) }
            if generation != startGeneration { batch = KafkaConsumer.Batch(); startGeneration = generation }
            let partition = message.pointee.partition
            let error = message.pointee.err
            if error == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                atEnd.insert(partition)
                if batch.refs.isEmpty && assigned.isSubset(of: atEnd) { break }
                continue
            }
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                try report(error, message: message)
                continue
            }
            guard assigned.contains(partition) else { continue }
            atEnd.remove(partition)
            let offset = message.pointee.offset
            if batch.starts[partition] == nil {
                let expected = positions[partition] ?? offset
                if offset > expected {
                    // Only when told to (-X auto.offset.reset=earliest): say what was never read.
                    log("partition \(partition): offsets \(expected)–\(offset - 1) are no longer on the broker and were skipped (retention or compaction)")
                }
                batch.starts[partition] = offset > expected ? offset : expected
            }
            positions[partition] = offset + 1
            let index = batch.refs.count
            batch.refs.append(QueueMessageRef(id: "\(partition):\(offset)", partition: partition, offset: offset))
            if let payload = message.pointee.payload, message.pointee.len > 0 {
                batch.messages.append(Array(UnsafeRawBufferPointer(start: payload, count: message.pointee.len)))
            } else {
                batch.messages.append([])
                batch.rejections[index] = "the Kafka message has no value (a tombstone?)"
            }
            var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
            let timestamp = rd_kafka_message_timestamp(message, &timestampType)
            batch.timestamps.append(timestamp > 0 ? Double(timestamp) : nil)
        }
        return batch
    }

    /// Partitions a refused batch covered: seek them to the stored offset (else where the batch began).
    private func reseekRefused() throws {
        let refused = shared.takeReseek().filter { assigned.contains($0.key) }
        guard !refused.isEmpty else { return }
        let stored = lookup(Array(refused.keys)) ?? [:]
        let list = rd_kafka_topic_partition_list_new(Int32(refused.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, start) in refused {
            let offset = stored[partition] ?? start
            rd_kafka_topic_partition_list_add(list, options.topic, partition)?.pointee.offset = offset
            positions[partition] = offset
            atEnd.remove(partition)
        }
        if let error = rd_kafka_seek_partitions(rk, list, 10_000) {
            let text = String(cString: rd_kafka_error_string(error))
            rd_kafka_error_destroy(error)
            throw KafkaError("cannot seek partitions \(refused.keys.sorted()) of \(options.topic): \(text)")
        }
        generation += 1
    }

    /// The rebalance callback's work, on the poll thread.
    fileprivate func rebalance(_ error: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        generation += 1
        lastRebalance = .now
        // Known only once the group is joined (NONE before): asked at each rebalance.
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        let partitions = KafkaHandle.partitions(list)
        switch error {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            // Let this consumer's batches in flight commit first, so the offsets read include them.
            shared.waitForIdle(limit: .seconds(30))
            let stored = lookup(partitions) ?? [:]
            if let list {
                for index in 0..<Int(list.pointee.cnt) {
                    let partition = list.pointee.elems[index].partition
                    // Never stored: from the beginning of what the broker holds.
                    list.pointee.elems[index].offset = stored[partition] ?? Int64(RD_KAFKA_OFFSET_BEGINNING)
                }
            }
            if cooperative {
                if let failure = rd_kafka_incremental_assign(rk, list) { rd_kafka_error_destroy(failure) }
            } else {
                rd_kafka_assign(rk, list)
                assigned.removeAll()
                positions.removeAll()
            }
            for partition in partitions {
                assigned.insert(partition)
                atEnd.remove(partition)
                if let offset = stored[partition] { positions[partition] = offset } else { positions[partition] = nil }
            }
            settled = true
            log("assigned partitions \(partitions.sorted()) of \(options.topic)"
                + (stored.isEmpty ? "" : ", resuming at stored offsets \(stored.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " "))"))
        default:
            // Let batches read from the revoked partitions commit, so the next owner starts after them.
            shared.waitForIdle(limit: .seconds(30))
            // A revocation is followed by an assignment (in a cooperative rebalance too, possibly
            // of no partitions): until then the assignment is not final.
            settled = false
            if error != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS { log("rebalance error: \(String(cString: rd_kafka_err2str(error)))") }
            if cooperative {
                if let failure = rd_kafka_incremental_unassign(rk, list) { rd_kafka_error_destroy(failure) }
                for partition in partitions { assigned.remove(partition); positions[partition] = nil }
            } else {
                rd_kafka_assign(rk, nil)
                assigned.removeAll()
                positions.removeAll()
            }
            if !partitions.isEmpty && error == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS {
                log("revoked partitions \(partitions.sorted()) of \(options.topic)")
            }
        }
        shared.forgetLag(except: assigned)
    }

    /// The assigned partitions' high watermarks minus this consumer's positions (nil: none known).
    /// Per assigned partition: its high watermark minus this consumer's position.
    func currentLags() -> [Int32: Int64] {
        var lags: [Int32: Int64] = [:]
        for partition in assigned {
            guard let position = positions[partition] else { continue }
            var low: Int64 = 0
            var high: Int64 = 0
            guard rd_kafka_get_watermark_offsets(rk, options.topic, partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { continue }
            lags[partition] = Swift.max(0, high - position)
        }
        return lags
    }

    /// What the writer task may call while the poll thread polls (thread-safe librdkafka calls).
    var committer: KafkaCommitter { KafkaCommitter(rk: rk, topic: options.topic, shared: shared) }

    private func report(_ error: rd_kafka_resp_err_t, message: UnsafeMutablePointer<rd_kafka_message_t>) throws {
        if error == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET {
            let partition = message.pointee.partition
            throw KafkaError("""
                partition \(partition) of \(options.topic): the stored offset \(positions[partition].map(String.init) ?? "?") is no longer \
                on the broker: messages were deleted (retention) before Sluice read them. Nothing was skipped. \
                To accept the loss and go on from the earliest message the broker has, run once with \
                -X auto.offset.reset=earliest (the skipped offsets are logged)
                """)
        }
        var fatalText = [CChar](repeating: 0, count: 512)
        if rd_kafka_fatal_error(rk, &fatalText, fatalText.count) != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError("fatal Kafka error: \(KafkaHandle.text(fatalText))")
        }
        let text = String(cString: rd_kafka_err2str(error))
        if let last = lastErrorLog[text], last.duration(to: .now) < .seconds(10) { return }
        lastErrorLog[text] = .now
        let detail = rd_kafka_message_errstr(message).map { String(cString: $0) } ?? ""
        log("Kafka: \(text)\(detail.isEmpty || detail == text ? "" : ": \(detail)") (librdkafka retries)")
    }

    // MARK: - Helpers

    static func partitions(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> [Int32] {
        guard let list else { return [] }
        return (0..<Int(list.pointee.cnt)).map { list.pointee.elems[$0].partition }
    }

    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // The rebalance callback is a C function: it finds its handle in this table, keyed by rk.
    nonisolated(unsafe) private static var handles: [OpaquePointer: Unmanaged<KafkaHandle>] = [:]
    private static let handlesLock = NSLock()

    static func register(_ handle: KafkaHandle, for rk: OpaquePointer) {
        handlesLock.withLock { handles[rk] = Unmanaged.passUnretained(handle) }
    }

    static func unregister(_ rk: OpaquePointer) {
        _ = handlesLock.withLock { handles.removeValue(forKey: rk) }
    }

    fileprivate static func handle(for rk: OpaquePointer) -> KafkaHandle? {
        handlesLock.withLock { handles[rk]?.takeUnretainedValue() }
    }
}

/// librdkafka's rebalance callback: hands the event to the handle (on the poll thread).
private func kafkaRebalanceCallback(_ rk: OpaquePointer?, _ error: rd_kafka_resp_err_t,
                                    _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
                                    _ opaque: UnsafeMutableRawPointer?) {
    guard let rk else { return }
    guard let handle = KafkaHandle.handle(for: rk) else {
        // Not registered (yet, or any more): take the assignment as it comes, or drop it.
        rd_kafka_assign(rk, error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? partitions : nil)
        return
    }
    handle.rebalance(error, partitions)
}

/// librdkafka's log callback (any thread): through the handle's log, else to stderr.
private func kafkaLogCallback(_ rk: OpaquePointer?, _ level: Int32, _ facility: UnsafePointer<CChar>?,
                              _ text: UnsafePointer<CChar>?) {
    let facility = facility.map { String(cString: $0) } ?? "LOG"
    let text = text.map { String(cString: $0) } ?? ""
    if let rk, let handle = KafkaHandle.handle(for: rk) {
        handle.library(level: level, facility: facility, text: text)
    } else {
        FileHandle.standardError.write(Data("Kafka: \(kafkaLogText(text))\n".utf8))
    }
}

/// A librdkafka log line without its thread tag ("[thrd:app]: ").
private func kafkaLogText(_ text: String) -> String {
    guard text.hasPrefix("[thrd:"), let end = text.range(of: "]: ") else { return text }
    return String(text[end.upperBound...])
}

/// Kafka calls the writer task makes, which librdkafka allows from any thread: committing offsets
/// (asynchronously) and reading cached watermarks. Used only while the handle is open: the writer
/// task ends before the consumer closes.
///
/// `@unchecked Sendable`: `rk` is only used for those thread-safe calls.
struct KafkaCommitter: @unchecked Sendable {
    let rk: OpaquePointer
    let topic: String
    let shared: KafkaShared

    /// Commits `next` offsets to Kafka, asynchronously: only lag tools read them.
    func commit(_ next: [Int32: Int64]) {
        guard !next.isEmpty else { return }
        let list = rd_kafka_topic_partition_list_new(Int32(next.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in next {
            rd_kafka_topic_partition_list_add(list, topic, partition)?.pointee.offset = offset
        }
        _ = rd_kafka_commit(rk, list, 1)
    }

    /// High watermark minus the next offset, per partition (librdkafka's cached watermarks).
    func lags(_ next: [Int32: Int64]) -> [Int32: Int64] {
        var result: [Int32: Int64] = [:]
        for (partition, offset) in next {
            var low: Int64 = 0
            var high: Int64 = 0
            guard rd_kafka_get_watermark_offsets(rk, topic, partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { continue }
            let lag = max(0, high - offset)
            result[partition] = lag
            shared.setLag(lag, partition: partition)
        }
        return result
    }
}

public struct KafkaError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
