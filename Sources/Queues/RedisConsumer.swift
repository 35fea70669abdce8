import EventContracts
import Foundation
import Loader

/// What a consumer did: the loader's counts, plus the queue's side.
public struct ConsumeSummary: Sendable, Equatable {
    public var load = LoadSummary()
    /// Entries acknowledged to the queue (Redis XACK) or offsets committed (Kafka).
    public var acknowledged = 0
    /// Entries taken over from other consumers (XCLAIM) or re-read from this one's pending list.
    public var redelivered = 0
    /// Messages over `--max-deliveries`, dead-lettered as poison.
    public var poison = 0
    /// What the queue reported at the end: entries not yet delivered to the group.
    public var lag: Int64?
    /// Milliseconds from the entry's creation (its Redis id) to its commit, for new entries.
    public var latencyP50: Double?
    public var latencyP99: Double?
    public var latencyMax: Double?
    public var stoppedBySignal = false

    public init() {}

    /// The `--json` object: the load's counts, then the queue's.
    public var json: String {
        func number(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "null" }
        return "{\"read\":\(load.read),\"loaded\":\(load.loaded),\"duplicates\":\(load.duplicates),\"rejected\":\(load.rejected),"
            + "\"sampled_out\":\(load.sampledOut),\"suppressed\":\(load.suppressed),\"batches\":\(load.batches),\"seconds\":\(String(format: "%.3f", load.seconds)),"
            + "\"acknowledged\":\(acknowledged),\"redelivered\":\(redelivered),\"poison\":\(poison),"
            + "\"lag\":\(lag.map(String.init) ?? "null"),\"latency_ms\":{\"p50\":\(number(latencyP50)),\"p99\":\(number(latencyP99)),\"max\":\(number(latencyMax))}"
            + (stoppedBySignal ? ",\"stopped\":true" : "") + "}"
    }
}

/// `sluice consume redis`: a member of a Redis Streams consumer group feeding the loader's batch
/// writer. Entries commit with their rows, ledger keys, dead letters and the group's position in
/// one PostgreSQL transaction and are acknowledged (XACK) only after COMMIT. An entry delivered
/// again — claimed after a crash between COMMIT and XACK — is found in `queue_message_ledger` and
/// acknowledged without loading it twice.
public struct RedisConsumer: Sendable {
    public struct Options: Sendable {
        public var url: String
        public var stream: String
        public var group: String
        public var consumer: String
        /// The entry field holding the event JSON; nil: the whole entry as a JSON object of its fields.
        public var field: String? = "event"
        /// Entries per read (and at most per batch).
        public var batchSize = 5_000
        /// How long one read waits for new entries.
        public var block: Duration = .milliseconds(500)
        /// Pending entries of other consumers idle this long are taken over.
        public var claimIdle: Duration = .seconds(60)
        /// An entry delivered more often than this is dead-lettered and acknowledged.
        public var maxDeliveries = 5
        /// Exit once nothing new arrived for `idle` and nothing is pending in the group.
        public var drain = false
        public var idle: Duration = .seconds(1)
        public var writers = 2
        /// How long a lost Redis connection, or a server that answers "not yet" (`LOADING`, `BUSY`, …),
        /// is retried before the consumer gives up.
        public var retryWindow: Duration = .seconds(600)
        /// How long a Redis server that refuses connections (or is still loading) is waited for when
        /// the consumer starts.
        public var startRetryWindow: Duration = .seconds(10)

        public init(url: String, stream: String, group: String, consumer: String) {
            self.url = url
            self.stream = stream
            self.group = group
            self.consumer = consumer
        }
    }

    public let options: Options
    public let sink: QueueSink

    public init(options: Options, sink: QueueSink) {
        self.options = options
        self.sink = sink
    }

    /// One read's worth of entries, ready to commit.
    struct Batch: Sendable {
        var messages: [[UInt8]] = []
        var refs: [QueueMessageRef] = []
        var rejections: [Int: String] = [:]
        /// Entries to acknowledge without loading (deleted from the stream meanwhile).
        var acknowledgeOnly: [String] = []
        var fresh = true
        var readAt = ContinuousClock.now
    }

    /// Consumes until stopped (or drained): reader → batches → writers → XACK.
    public func run(stop: LoadStop = LoadStop(), progress: @escaping @Sendable (ConsumeSummary) -> Void = { _ in },
                    log: @escaping @Sendable (String) -> Void = { _ in }) async throws -> ConsumeSummary {
        let endpoint = try RedisEndpoint(url: options.url)
        let started = ContinuousClock.now
        let reader = try await Self.connect(endpoint, label: "sluice.redis.reader", window: options.startRetryWindow, log: log)
        try await createGroup(reader, log: log)
        let channel = AsyncChannel<Batch>(capacity: max(2, options.writers))
        let totals = ConsumeTotals()
        stop.onRequest { Task { await channel.close() } }

        let options = self.options
        let readerTask = Task {
            do {
                try await read(reader, channel: channel, stop: stop, totals: totals, log: log)
            } catch {
                await channel.close()
                throw error
            }
            await channel.close()
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<max(1, options.writers) {
                group.addTask {
                    let writer = sink.makeWriter(index: index, log: log)
                    let acker = try await Self.connect(endpoint, label: "sluice.redis.acker.\(index)", window: options.retryWindow, log: log)
                    do {
                        while let batch = await channel.receive() {
                            try await commit(batch, writer: writer, acker: acker, totals: totals, started: started, log: log)
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
            }
            try await group.waitForAll()
        }
        try await readerTask.value
        var summary = await totals.summary(since: started)
        summary.lag = try? await reader.run { try Self.groupLag($0, stream: options.stream, group: options.group) }
        if let lag = summary.lag {
            // The lag stored during the run is at most 5 s old; leave the final one for `sluice status`.
            let writer = sink.makeWriter(index: 98, log: log)
            try? await writer.recordLag(kind: .redis, queue: options.stream, group: options.group, partition: 0, lag: lag)
            await writer.close()
        }
        summary.stoppedBySignal = stop.isRequested && !options.drain
        return summary
    }

    // MARK: - Reading

    /// XGROUP CREATE, retried for the start window. `BUSYGROUP` (the group exists, perhaps made by
    /// a try whose reply was lost) is success.
    private func createGroup(_ client: BlockingClient<RedisConnection>, log: @escaping @Sendable (String) -> Void) async throws {
        let options = self.options
        let reply = try await Self.retrying("creating the group", on: client, window: options.startRetryWindow, log: log) {
            try $0.command(["XGROUP", "CREATE", options.stream, options.group, "0", "MKSTREAM"])
        }
        if case .error(let message) = reply, RedisError.code(of: message) != "BUSYGROUP" {
            throw RedisError(reply: message, command: "XGROUP CREATE", advice: " (cannot create consumer group \(options.group) on \(options.stream))")
        }
    }

    /// Own pending entries first (again after a batch went stale), then others' idle ones, then new
    /// ones; a claim round again every half `claimIdle`.
    private func read(_ client: BlockingClient<RedisConnection>, channel: AsyncChannel<Batch>, stop: LoadStop,
                      totals: ConsumeTotals, log: @escaping @Sendable (String) -> Void) async throws {
        let options = self.options
        var ownCursor: String? = "-"
        var lastClaim = ContinuousClock.now - options.claimIdle
        var lastNew = ContinuousClock.now
        var backoff = Backoff(window: options.retryWindow)
        while !stop.isRequested {
            do {
                if await totals.takeRereadRequest() { ownCursor = "-" }
                var batch: Batch
                if let cursor = ownCursor {
                    // This consumer's own pending entries: a previous run of it crashed before XACK,
                    // or a batch went stale. Entries still in flight here are left alone.
                    let (page, next) = try await client.run { connection in
                        try Self.pendingPage(connection, stream: options.stream, group: options.group, consumer: options.consumer,
                                             minIdle: nil, from: cursor, count: options.batchSize)
                    }
                    ownCursor = next
                    let inFlight = await totals.inFlight(page.map(\.id))
                    batch = try await take(page.filter { !inFlight.contains($0.id) }, minIdle: 0, client: client, log: log)
                } else if lastClaim.duration(to: .now) >= options.claimIdle / 2 {
                    lastClaim = .now
                    batch = try await claimOthers(client, log: log)
                } else {
                    let blockMilliseconds = String(options.block.wholeMilliseconds)
                    let (entries, _) = try await client.run { connection in
                        try Self.entries(from: connection.command(["XREADGROUP", "GROUP", options.group, options.consumer, "COUNT",
                                                                   String(options.batchSize), "BLOCK", blockMilliseconds,
                                                                   "STREAMS", options.stream, ">"]))
                    }
                    if entries.isEmpty {
                        if options.drain, lastNew.duration(to: .now) >= options.idle,
                           try await client.run({ try Self.groupPending($0, stream: options.stream, group: options.group) }) == 0 {
                            return
                        }
                        // Redis answered: a later failure gets a whole window of its own, however
                        // long the stream stays quiet.
                        backoff.reset()
                        continue
                    }
                    lastNew = .now
                    // New entries cannot be in flight here, unless Redis forgot their delivery (a
                    // crash lost the last writes of its AOF). Then they are committed as
                    // redeliveries, whose ledger check waits for the copy in flight.
                    let inFlight = await totals.inFlight(entries.map(\.id))
                    if !inFlight.isEmpty {
                        log("\(inFlight.count) entries delivered as new are in flight here already (Redis lost their delivery in a restart?): committing them as redeliveries")
                    }
                    batch = Self.prepare(entries, fresh: inFlight.isEmpty, deliveries: [:], options: options)
                }
                backoff.reset()
                if !batch.refs.isEmpty || !batch.acknowledgeOnly.isEmpty {
                    await totals.markInFlight(batch.refs.map(\.id))
                    guard await channel.send(batch) else { return }
                }
            } catch let error as RedisError where error.isRetryable {
                // A lost reply of XREADGROUP or XCLAIM may have given this consumer entries it never
                // saw: go through its own pending entries again once Redis answers.
                ownCursor = "-"
                guard let pause = backoff.nextPause() else { throw error.gaveUp(after: backoff.window) }
                log("\(error.description); reading again in \(Backoff.text(pause))")
                try await Task.sleep(for: pause)
            }
        }
    }

    /// Others' entries pending longer than `claimIdle` (their consumer died or stalled): listed with
    /// XPENDING IDLE, never this consumer's own (those are in flight here), and taken with XCLAIM,
    /// which re-checks the idle time, so two consumers cannot both take one entry.
    private func claimOthers(_ client: BlockingClient<RedisConnection>, log: @escaping @Sendable (String) -> Void) async throws -> Batch {
        let options = self.options
        var candidates: [PendingEntry] = []
        var cursor: String? = "-"
        var pages = 0
        while let from = cursor, candidates.count < options.batchSize, pages < 20 {
            pages += 1
            let (page, next) = try await client.run { connection in
                try Self.pendingPage(connection, stream: options.stream, group: options.group, consumer: nil,
                                     minIdle: options.claimIdle.wholeMilliseconds, from: from, count: options.batchSize)
            }
            candidates += page.filter { $0.consumer != options.consumer }
            cursor = next
        }
        return try await take(Array(candidates.prefix(options.batchSize)), minIdle: options.claimIdle.wholeMilliseconds, client: client, log: log)
    }

    /// XCLAIMs `pending` for this consumer (if still idle `minIdle` ms) and prepares what it got.
    private func take(_ pending: [PendingEntry], minIdle: Int64, client: BlockingClient<RedisConnection>,
                      log: @escaping @Sendable (String) -> Void) async throws -> Batch {
        guard !pending.isEmpty else { return Batch() }
        let options = self.options
        let reply = try await client.run { connection in
            try connection.command(["XCLAIM", options.stream, options.group, options.consumer, String(minIdle)] + pending.map(\.id))
        }
        if case .error(let message) = reply { throw RedisError(reply: message, command: "XCLAIM") }
        // This delivery is one more than XPENDING counted.
        var deliveries: [String: Int64] = [:]
        for entry in pending { deliveries[entry.id] = entry.deliveries + 1 }
        let entries = Self.entryList(reply)
        if minIdle == 0 && entries.count < pending.count {
            // Our own entries, so none went to another consumer: the stream lost them (XTRIM,
            // MAXLEN, XDEL) after their delivery and before their commit. Redis drops them.
            let returned = Set(entries.map(\.id))
            let gone = pending.map(\.id).filter { !returned.contains($0) }
            log("\(gone.count) pending \(gone.count == 1 ? "entry was" : "entries were") deleted from \(options.stream) before being loaded "
                + "(XTRIM/MAXLEN/XDEL), e.g. \(gone.prefix(3).joined(separator: ", "))")
        }
        return Self.prepare(entries, fresh: false, deliveries: deliveries, options: options)
    }

    struct PendingEntry: Sendable {
        var id: String
        var consumer: String
        var deliveries: Int64
    }

    /// One page of the group's pending entries (XPENDING extended form), optionally of one consumer
    /// or idle at least `minIdle` ms; and the cursor of the next page (nil: this was the last).
    static func pendingPage(_ connection: RedisConnection, stream: String, group: String, consumer: String?,
                            minIdle: Int64?, from: String, count: Int) throws -> ([PendingEntry], String?) {
        var arguments = ["XPENDING", stream, group]
        if let minIdle { arguments += ["IDLE", String(minIdle)] }
        arguments += [from, "+", String(count)]
        if let consumer { arguments.append(consumer) }
        let reply = try connection.command(arguments)
        if case .error(let message) = reply {
            throw RedisError(reply: message, command: "XPENDING", advice: " (Redis 6.2 or later is required)")
        }
        let page: [PendingEntry] = reply.elements.compactMap { entry in
            let parts = entry.elements
            guard parts.count >= 4, let id = parts[0].text, let owner = parts[1].text, case .integer(let deliveries) = parts[3] else { return nil }
            return PendingEntry(id: id, consumer: owner, deliveries: deliveries)
        }
        guard page.count == count, let last = page.last?.id else { return (page, nil) }
        return (page, "(" + last)
    }

    /// Turns entries into messages: the event bytes, the position, and the poison and malformed ones.
    static func prepare(_ entries: [(id: String, fields: [[UInt8]]?)], fresh: Bool, deliveries: [String: Int64],
                        options: Options) -> Batch {
        var batch = Batch()
        batch.fresh = fresh
        for entry in entries {
            guard let fields = entry.fields else {
                batch.acknowledgeOnly.append(entry.id)
                continue
            }
            let index = batch.refs.count
            batch.refs.append(QueueMessageRef(id: entry.id, partition: 0, offset: RedisStreamID(entry.id).packed))
            let (bytes, problem) = Self.event(in: fields, field: options.field)
            batch.messages.append(bytes)
            if let problem {
                batch.rejections[index] = problem
            } else if let count = deliveries[entry.id], count > Int64(options.maxDeliveries) {
                batch.rejections[index] = "poison: delivered \(count) times without being committed (--max-deliveries \(options.maxDeliveries))"
            }
        }
        return batch
    }

    // MARK: - Committing

    private func commit(_ batch: Batch, writer: QueueWriter, acker: BlockingClient<RedisConnection>, totals: ConsumeTotals,
                        started: ContinuousClock.Instant, log: @escaping @Sendable (String) -> Void) async throws {
        let options = self.options
        var counts = BatchCounts()
        if !batch.refs.isEmpty {
            let progress = QueueProgress(kind: .redis, queue: options.stream, group: options.group, messages: batch.refs,
                                         fresh: batch.fresh, readAt: batch.readAt)
            do {
                counts = try await writer.commit(batch.messages, progress: progress, rejections: batch.rejections)
            } catch let stale as QueueBatchStale {
                // Nothing committed: the entries stay pending here and are read again.
                log(stale.description)
                await totals.release(batch.refs.map(\.id))
                await totals.requestReread()
                return
            }
        }
        let committedAt = Date().timeIntervalSince1970 * 1000
        let ids = batch.refs.map(\.id) + batch.acknowledgeOnly
        try await acknowledge(ids, acker: acker, log: log)
        await totals.release(batch.refs.map(\.id))
        let latencies = batch.fresh ? batch.refs.map { committedAt - Double(RedisStreamID(packed: $0.offset).milliseconds) } : []
        await totals.add(counts, acknowledged: ids.count, redelivered: batch.fresh ? 0 : batch.refs.count,
                         poison: batch.rejections.values.filter { $0.hasPrefix("poison") }.count,
                         bytes: Int64(batch.messages.reduce(0) { $0 + $1.count }), latencies: latencies)
        if await totals.shouldRecordLag() {
            if let lag = try? await acker.run({ try Self.groupLag($0, stream: options.stream, group: options.group) }) {
                try? await writer.recordLag(kind: .redis, queue: options.stream, group: options.group, partition: 0, lag: lag)
            }
        }
        if await totals.shouldPruneLedger() {
            _ = try? await writer.pruneLedger(queue: options.stream, group: options.group)
        }
    }

    /// XACK, retried through a lost connection and "not yet" replies for the retry window (the
    /// entries stay pending until it succeeds; XACK of an acknowledged entry does nothing).
    private func acknowledge(_ ids: [String], acker: BlockingClient<RedisConnection>, log: @escaping @Sendable (String) -> Void) async throws {
        guard !ids.isEmpty else { return }
        let options = self.options
        let reply = try await Self.retrying("acknowledging", on: acker, window: options.retryWindow, log: log) {
            try $0.command(["XACK", options.stream, options.group] + ids)
        }
        if case .error(let message) = reply { throw RedisError(reply: message, command: "XACK") }
    }

    // MARK: - Replies

    /// Connects, waiting for a server that refuses connections or is still loading for `window`.
    static func connect(_ endpoint: RedisEndpoint, label: String, window: Duration,
                        log: @escaping @Sendable (String) -> Void) async throws -> BlockingClient<RedisConnection> {
        var backoff = Backoff(window: window)
        while true {
            do {
                return try await BlockingClient.make(label: label) { try RedisConnection(endpoint: endpoint) }
            } catch let error as RedisError where error.isRetryable {
                guard let pause = backoff.nextPause() else { throw error.gaveUp(after: backoff.window) }
                log("\(error.description); connecting again in \(Backoff.text(pause))")
                try await Task.sleep(for: pause)
            }
        }
    }

    /// Runs `body` on `client` until it returns, through lost connections (the connection opens
    /// again by itself) and "not yet" replies, with backoff, for `window`; then throws the last
    /// error. Only for commands that may run twice: after a lost connection the first try may have.
    static func retrying<T: Sendable>(_ what: String, on client: BlockingClient<RedisConnection>, window: Duration,
                                      log: @escaping @Sendable (String) -> Void,
                                      _ body: @escaping @Sendable (RedisConnection) throws -> T) async throws -> T {
        var backoff = Backoff(window: window)
        while true {
            do {
                return try await client.run { try body($0) }
            } catch let error as RedisError where error.isRetryable {
                guard let pause = backoff.nextPause() else { throw error.gaveUp(after: backoff.window) }
                log("\(error.description); \(what) again in \(Backoff.text(pause))")
                try await Task.sleep(for: pause)
            }
        }
    }

    /// XREADGROUP's reply: the entries of the one stream, and the last id.
    static func entries(from reply: RedisReply) throws -> ([(id: String, fields: [[UInt8]]?)], String?) {
        if case .error(let message) = reply { throw RedisError(reply: message, command: "XREADGROUP") }
        guard let stream = reply.elements.first, stream.elements.count == 2 else { return ([], nil) }
        let list = entryList(stream.elements[1])
        return (list, list.last?.id)
    }

    static func entryList(_ reply: RedisReply) -> [(id: String, fields: [[UInt8]]?)] {
        reply.elements.compactMap { entry in
            let parts = entry.elements
            guard let id = parts.first?.text else { return nil }
            guard parts.count > 1, case .array(let fields) = parts[1] else { return (id, nil) }
            return (id, fields.map { if case .string(let bytes) = $0 { return bytes } else { return Array(($0.text ?? "").utf8) } })
        }
    }

    /// The event's bytes, or the entry as JSON with the reason it cannot be an event.
    static func event(in fields: [[UInt8]], field: String?) -> ([UInt8], String?) {
        if let field {
            // The common case, without building the pairs: compare the names as bytes.
            var index = 0
            while index + 1 < fields.count {
                if fields[index].elementsEqual(field.utf8) { return (fields[index + 1], nil) }
                index += 2
            }
        }
        var pairs: [(String, [UInt8])] = []
        var index = 0
        while index + 1 < fields.count {
            pairs.append((String(decoding: fields[index], as: UTF8.self), fields[index + 1]))
            index += 2
        }
        if let field {
            if let value = pairs.first(where: { $0.0 == field })?.1 { return (value, nil) }
            return (wholeEntry(pairs), "the entry has no field \"\(field)\" (set --field, or --whole-entry for entries whose fields are the event)")
        }
        return (wholeEntry(pairs), nil)
    }

    /// `{"field": "value", …}` of an entry (values as JSON strings).
    static func wholeEntry(_ pairs: [(String, [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        for (position, pair) in pairs.enumerated() {
            if position > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += JSONText.quotedBytes(pair.0)
            bytes.append(UInt8(ascii: ":"))
            bytes += JSONText.quotedBytes(String(decoding: pair.1, as: UTF8.self))
        }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    static func groupPending(_ connection: RedisConnection, stream: String, group: String) throws -> Int64 {
        let reply = try connection.command(["XPENDING", stream, group])
        if case .error(let message) = reply { throw RedisError(reply: message, command: "XPENDING") }
        if case .integer(let count)? = reply.elements.first { return count }
        return 0
    }

    /// XINFO GROUPS' `lag` (Redis 7): entries not yet delivered to the group.
    static func groupLag(_ connection: RedisConnection, stream: String, group: String) throws -> Int64? {
        let reply = try connection.command(["XINFO", "GROUPS", stream])
        if case .error(let message) = reply { throw RedisError(reply: message, command: "XINFO GROUPS") }
        for info in reply.elements {
            let parts = info.elements
            var fields: [String: RedisReply] = [:]
            var index = 0
            while index + 1 < parts.count {
                if let key = parts[index].text { fields[key] = parts[index + 1] }
                index += 2
            }
            guard fields["name"]?.text == group else { continue }
            if case .integer(let lag)? = fields["lag"] { return lag }
            return nil
        }
        return nil
    }
}

/// Running totals shared by the writer tasks.
actor ConsumeTotals {
    private var summary = ConsumeSummary()
    private var latencies: [Double] = []
    private var lastLag = ContinuousClock.now - .seconds(60)

    func add(_ counts: BatchCounts, acknowledged: Int, redelivered: Int, poison: Int, bytes: Int64, latencies: [Double]) {
        summary.load.add(counts, bytes: bytes)
        summary.acknowledged += acknowledged
        summary.redelivered += redelivered
        summary.poison += poison
        self.latencies += latencies
    }

    private var inFlightIDs = Set<String>()
    private var rereadRequested = false
    private var lastPrune = ContinuousClock.now

    /// Entries read and not yet acknowledged (or given back) by this consumer.
    func markInFlight(_ ids: [String]) { inFlightIDs.formUnion(ids) }
    func release(_ ids: [String]) { inFlightIDs.subtract(ids) }
    func inFlight(_ ids: [String]) -> Set<String> { inFlightIDs.intersection(ids) }

    /// A batch went stale: the reader goes through this consumer's pending entries again.
    func requestReread() { rereadRequested = true }
    func takeRereadRequest() -> Bool {
        defer { rereadRequested = false }
        return rereadRequested
    }

    /// True at most every minute: the Redis ledger is pruned that often.
    func shouldPruneLedger() -> Bool {
        guard lastPrune.duration(to: .now) >= .seconds(60) else { return false }
        lastPrune = .now
        return true
    }

    /// True at most every 5 s: the lag is read and stored that often.
    func shouldRecordLag() -> Bool {
        guard lastLag.duration(to: .now) >= .seconds(5) else { return false }
        lastLag = .now
        return true
    }

    func summary(since start: ContinuousClock.Instant) -> ConsumeSummary {
        var result = summary
        let elapsed = start.duration(to: .now).components
        result.load.seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        if !latencies.isEmpty {
            let sorted = latencies.sorted()
            func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))] }
            result.latencyP50 = percentile(0.5)
            result.latencyP99 = percentile(0.99)
            result.latencyMax = sorted.last
        }
        return result
    }
}
