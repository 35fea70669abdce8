import EventContracts
import Foundation
import Postgres

/// The totals of a load. `read == loaded + duplicates + rejected + sampledOut + suppressed` always holds.
public struct LoadSummary: Sendable, Equatable {
    public var read = 0
    public var loaded = 0
    public var duplicates = 0
    public var rejected = 0
    /// Valid events dropped by policy: sampling, or opt-out when the policy drops.
    public var sampledOut = 0
    /// Of `rejected`, the medical events refused for want of `SLUICE_MEDICAL_KEY`.
    public var missingMedicalKey = 0
    /// Events of erased subjects that occurred at or before their erasure: dropped, never loaded.
    public var suppressed = 0
    public var batches = 0
    public var bytes: Int64 = 0
    public var seconds = 0.0
    /// What the operator should know about particular inputs (rereads, unread last lines, skips).
    public var notes: [LoadNote] = []
    /// The load stopped early on SIGINT/SIGTERM; the counts are what committed.
    public var interrupted = false

    public init() {}

    /// Adds one committed batch (every count, so no outcome is left out by a caller).
    public mutating func add(_ counts: BatchCounts, bytes: Int64) {
        read += counts.read
        loaded += counts.loaded
        duplicates += counts.duplicates
        rejected += counts.rejected
        sampledOut += counts.droppedByPolicy
        missingMedicalKey += counts.missingMedicalKey
        suppressed += counts.suppressed
        batches += 1
        self.bytes += bytes
    }

    /// The `--json` object: `read, loaded, duplicates, rejected, sampled_out, batches, seconds`, then
    /// the notes by kind (always present, possibly empty) and `extra` members (e.g. `"error"`).
    public func json(extra: [(String, String)] = []) -> String {
        func array(_ kind: LoadNote.Kind) -> String {
            "[" + notes.filter { $0.kind == kind }.map(\.json).joined(separator: ",") + "]"
        }
        var text = "{\"read\":\(read),\"loaded\":\(loaded),\"duplicates\":\(duplicates),\"rejected\":\(rejected),"
            + "\"sampled_out\":\(sampledOut),\"suppressed\":\(suppressed),\"rejected_missing_medical_key\":\(missingMedicalKey),\"batches\":\(batches),\"seconds\":\(String(format: "%.3f", seconds)),"
            + "\"reread_from_start\":\(array(.rereadFromStart)),\"incomplete_last_lines\":\(array(.incompleteLastLine)),"
            + "\"skipped\":\(array(.skipped)),\"resumed_unverified\":\(array(.resumedUnverified))"
        if interrupted { text += ",\"interrupted\":true" }
        for (key, value) in extra { text += ",\(JSONText.quoted(key)):\(JSONText.quoted(value))" }
        return text + "}"
    }

    /// The `--json` object (see `sluice load --help`).
    public var json: String { json() }
}

/// Something the operator should know about one input of a load.
public struct LoadNote: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The input was not what its checkpoint recorded (rotated, truncated, rewritten): read from its start.
        case rereadFromStart
        /// Its last line has no newline and no closed JSON value yet: left for the next run.
        case incompleteLastLine
        /// Not loaded: inside a directory, and not a regular file.
        case skipped
        /// Resumed at a checkpoint written before checkpoints had fingerprints.
        case resumedUnverified
    }

    public var kind: Kind
    public var source: String
    public var reason: String
    /// For an incomplete last line: its line number and length in bytes.
    public var line: Int64?
    public var bytes: Int64?

    public var text: String {
        switch kind {
        case .rereadFromStart: "\(source): \(reason); read it from the start (lines loaded before count as duplicates)"
        case .incompleteLastLine: "\(source): incomplete last line left for the next run (line \(line ?? 0), \(bytes ?? 0) bytes without a newline; --final loads it as it is)"
        case .skipped: "\(source): skipped, \(reason)"
        case .resumedUnverified: "\(source): \(reason)"
        }
    }

    var json: String {
        switch kind {
        case .incompleteLastLine:
            "{\"source\":\(JSONText.quoted(source)),\"line\":\(line ?? 0),\"bytes\":\(bytes ?? 0)}"
        case .skipped:
            "{\"input\":\(JSONText.quoted(source)),\"reason\":\(JSONText.quoted(reason))}"
        case .rereadFromStart, .resumedUnverified:
            "{\"source\":\(JSONText.quoted(source)),\"reason\":\(JSONText.quoted(reason))}"
        }
    }
}

/// A load that stopped on an error: what committed before it, and what to do.
public struct LoadFailure: Error, CustomStringConvertible {
    public var summary: LoadSummary
    public var reason: String
    public var description: String { reason }
}

/// Asks a running load to stop: no more input is read, batches being written commit, the rest is
/// left for the next run. Safe to call from a signal handler's queue.
///
/// `@unchecked Sendable`: `requested` and `handlers` are touched only under `lock`.
public final class LoadStop: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false
    private var handlers: [@Sendable () -> Void] = []

    public init() {}

    public var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }

    public func request() {
        lock.lock()
        requested = true
        let toRun = handlers
        lock.unlock()
        for handler in toRun { handler() }
    }

    /// Runs `handler` when a stop is requested (at once if it already was).
    public func onRequest(_ handler: @escaping @Sendable () -> Void) {
        lock.lock()
        if requested {
            lock.unlock()
            handler()
            return
        }
        handlers.append(handler)
        lock.unlock()
    }
}

/// What to load and how.
public struct LoadOptions: Sendable {
    public var connectionString: String
    public var contract: Contract = .pocm
    public var tenant: String = "default"
    /// The checkpoint identity; defaults to each file's absolute path. Streams (stdin, FIFOs) are
    /// checkpointed only when named.
    public var sourceName: String?
    /// Files, directories (their regular files, sorted) or `-` for stdin.
    public var inputs: [String] = ["-"]
    /// A shell pattern (`*.ndjson`) the files found in a directory must match; the others are
    /// skipped with a note. Files named as inputs themselves are always read.
    public var glob: String?
    public var writers = 2
    public var limits = Batcher.Limits()
    public var restart = false
    /// Take an unterminated last line of a regular file as it is (the file is complete).
    public var finalInput = false
    /// How long a batch keeps retrying a lost connection mid-load.
    public var retryWindow: Duration = .seconds(600)
    /// How long the first connection waits for a server that refuses connections.
    public var startRetryWindow: Duration = .seconds(10)
    /// Key material (from the environment); the actions, sampling and opt-outs come from the
    /// policy tables.
    public var privacy = PrivacyPolicy()
    /// When the run's first this-many lines are all rejected for the same reason, the load stops
    /// before committing any of them (``MisconfigurationCheck``); 0 turns the check off.
    public var misconfigurationLines = MisconfigurationCheck.defaultLines

    public init(connectionString: String) {
        self.connectionString = connectionString
    }
}

/// Runs `sluice load`: for each input, reader → batches → validation on all cores → N writers.
public struct LoadJob: Sendable {
    public let options: LoadOptions
    let registry: EventContractRegistry

    public init(options: LoadOptions, registry: EventContractRegistry) {
        self.options = options
        self.registry = registry
    }

    /// Loads every input in order.
    /// - Parameters:
    ///   - progress: called after each committed batch with the running totals.
    ///   - log: one line per notable event (resume point, reread, retry).
    ///   - stop: a stop request ends the load early with what committed (`interrupted`).
    /// - Throws: ``LoadFailure`` with the totals of what committed and what to do.
    public func run(progress: @escaping @Sendable (LoadSummary) -> Void = { _ in },
                    log: @escaping @Sendable (String) -> Void = { _ in },
                    stop: LoadStop = LoadStop()) async throws -> LoadSummary {
        let started = ContinuousClock.now
        let totals = Totals()
        do {
            try await runInputs(totals: totals, started: started, progress: progress, log: log, stop: stop)
        } catch {
            var summary = await totals.summary
            summary.seconds = started.duration(to: .now).inSeconds
            throw LoadFailure(summary: summary, reason: Self.explain(error))
        }
        var summary = await totals.summary
        summary.seconds = started.duration(to: .now).inSeconds
        summary.interrupted = stop.isRequested
        return summary
    }

    /// The operator's wording of an error that ended a load.
    static func explain(_ error: Error) -> String {
        switch error {
        case let error as PostgresError:
            let advice = LoadError.advice(for: error, role: error.endpoint?.roleName ?? "the loader's role")
            return advice.isEmpty ? error.description : "\(error.description): \(advice)"
        case let error as CustomStringConvertible:
            return error.description
        default:
            return "\(error)"
        }
    }

    private func runInputs(totals: Totals, started: ContinuousClock.Instant, progress: @escaping @Sendable (LoadSummary) -> Void,
                           log: @escaping @Sendable (String) -> Void, stop: LoadStop) async throws {
        let (inputs, skipped) = try Self.expand(options.inputs, glob: options.glob)
        for note in skipped {
            log(note.text)
            await totals.note(note)
        }
        let oldest = try await withConnection(log: log) { try await AcceptedWindow.oldestOccurredAt(on: $0) }
        let tenant = options.tenant
        let keys = options.privacy
        let (privacy, sampling, optOut) = try await withConnection(log: log) {
            try await PolicyStore(connection: $0).context(tenant: tenant, keys: keys)
        }
        let runID = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        // One check for the whole run: its first lines decide, whichever inputs they are in.
        let gate = MisconfigurationGate(lines: options.misconfigurationLines)

        for (index, input) in inputs.enumerated() {
            if stop.isRequested { return }
            let source = sourceName(of: input, among: inputs.count, runID: String(runID))
            let checkpointed = input.kind != .stream || options.sourceName != nil
            let key = CheckpointKey(tenant: options.tenant, contract: options.contract, source: source)
            let restart = options.restart
            let saved: SavedCheckpoint? = checkpointed ? try await withConnection(log: log) { connection in
                let store = CheckpointStore(connection: connection)
                if restart { try await store.reset(key) }
                return restart ? nil : try await store.saved(key)
            } : nil
            if !checkpointed && input.path != "-" {
                log("\(input.path) is a stream (not a regular file): it is not checkpointed; name it with --source to resume it")
            }

            let prepared = try await Self.blocking { try PreparedInput.prepare(input, checkpoint: saved) }
            if let reason = prepared.rereadReason {
                let note = LoadNote(kind: .rereadFromStart, source: source, reason: reason)
                log(note.text)
                await totals.note(note)
                try await withConnection(log: log) { try await CheckpointStore(connection: $0).reset(key) }
            } else if prepared.resumedUnverified {
                let note = LoadNote(kind: .resumedUnverified, source: source,
                                    reason: "its checkpoint predates fingerprints: resumed at byte \(prepared.start.position.offset) without checking the bytes before it")
                log(note.text)
                await totals.note(note)
            }
            let start = prepared.start.position
            if start.offset > 0 { log("\(source): resuming after line \(start.line) (byte \(start.offset))") }

            var target = LoadTarget(
                connectionString: options.connectionString, tenant: options.tenant, contract: options.contract,
                source: source, checkpointed: checkpointed, runID: "\(runID)-\(index)", retryWindow: options.retryWindow
            )
            target.identity = prepared.identity
            target.announcesLoading = true
            target.subjectHashKey = options.privacy.piiHashSecret
            if input.kind == .gzipFile {
                let horizon = VerifiedHorizon()
                GzipVerifier.start(path: input.path, horizon: horizon)
                target.verifiedHorizon = horizon
            }
            var context = NormalizationContext(tenantId: options.tenant, privacy: privacy)
            context.sampling = sampling
            context.optOut = optOut
            context.receivedAt = NormalizationContext.nowMicroseconds()
            let validator = BatchValidator(registry: registry, contract: options.contract, context: context, oldestAcceptedOccurredAt: oldest)
            await gate.beginInput(validator: validator)

            let channel = BatchChannel<RawBatch>(capacity: max(2, options.writers))
            var configuration = LineReader.Configuration(limits: options.limits)
            configuration.lastLineIsFinal = input.kind != .regularFile || options.finalInput
            let reader = LineReader(source: prepared.source, start: prepared.start, configuration: configuration, channel: channel)
            stop.onRequest { channel.cancel() }
            reader.run()
            let writerTarget = target
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<max(1, options.writers) {
                        group.addTask {
                            let writer = BatchWriter(target: writerTarget, log: log)
                            do {
                                while let raw = await channel.receive() {
                                    let validated = await validator.validate(raw)
                                    // Usually just this batch; none while the misconfiguration check
                                    // holds it, several when this one releases those held before.
                                    for batch in try await gate.admit(validated) {
                                        let counts = try await writer.write(batch)
                                        let snapshot = await totals.add(counts, bytes: batch.raw.endOffset - batch.raw.startOffset, since: started)
                                        progress(snapshot)
                                    }
                                }
                            } catch {
                                // Stop the reader and the other writers now, not after the input ran out.
                                channel.cancel()
                                await writer.close()
                                throw error
                            }
                            await writer.close()
                        }
                    }
                    try await group.waitForAll()
                }
            } catch {
                channel.cancel()
                // The reader may be blocked reading a stream: do not wait for it.
                throw error
            }
            // Stopped: the reader may be blocked on a stream that has nothing to say. What committed
            // is checkpointed; the rest is read by the next run (batches the misconfiguration check
            // held back included: they were never committed).
            if stop.isRequested { return }
            try await reader.finish()
            let held = try await gate.endOfInput()
            if !held.isEmpty {
                // Fewer lines than the check's minimum, all failing the same way: bad lines after all.
                let writer = BatchWriter(target: writerTarget, log: log)
                do {
                    for batch in held {
                        let counts = try await writer.write(batch)
                        progress(await totals.add(counts, bytes: batch.raw.endOffset - batch.raw.startOffset, since: started))
                    }
                } catch {
                    await writer.close()
                    throw error
                }
                await writer.close()
            }
            if let left = reader.leftUnread {
                let note = LoadNote(kind: .incompleteLastLine, source: source, reason: "incomplete last line", line: left.line, bytes: left.bytes)
                log(note.text)
                await totals.note(note)
            }
            if checkpointed {
                try await withConnection(log: log) { try await CheckpointStore(connection: $0).compact(key) }
            }
        }
    }

    /// The name a source's checkpoint and dead letter go by.
    private func sourceName(of input: LoadInput, among count: Int, runID: String) -> String {
        if let name = options.sourceName {
            return count > 1 ? "\(name):\(input.path)" : name
        }
        if input.path == "-" { return "stdin:\(runID)" }
        let path = URL(fileURLWithPath: input.path).standardizedFileURL.path
        // An unnamed stream is not checkpointed; its dead letters are this run's.
        return input.kind == .stream ? "\(path):\(runID)" : path
    }

    /// Runs blocking work (file reads) off the cooperative pool.
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try work() })
            }
        }
    }

    /// Runs `body` on a fresh connection. A server that refuses connections is waited for, with
    /// backoff, for the whole start window (the last attempt at its end); one that answers "no such
    /// database", "no such role" or "authentication failed" fails at once: waiting cannot fix that.
    private func withConnection<T: Sendable>(log: @Sendable (String) -> Void, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await LoaderConnection.withConnection(options.connectionString, tenant: options.tenant,
                                                  waitingFor: options.startRetryWindow, log: log, body)
    }

    /// The inputs as given, classified; a directory expands to its regular files (following
    /// symlinks) in name order, and anything else in it (a FIFO, a socket, a subdirectory) is
    /// skipped with a note, since reading a FIFO would block the load until someone writes to it.
    /// An input that does not exist fails the load before anything is read.
    static func expand(_ paths: [String], glob: String? = nil) throws -> (inputs: [LoadInput], skipped: [LoadNote]) {
        var inputs: [LoadInput] = []
        var skipped: [LoadNote] = []
        for path in paths {
            var info = stat()
            if path != "-", stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted()
                for name in names {
                    let nested = (path as NSString).appendingPathComponent(name)
                    var nestedInfo = stat()
                    guard stat(nested, &nestedInfo) == 0 else {
                        skipped.append(LoadNote(kind: .skipped, source: nested, reason: String(cString: strerror(errno))))
                        continue
                    }
                    if let glob, fnmatch(glob, name, 0) != 0 {
                        skipped.append(LoadNote(kind: .skipped, source: nested, reason: "does not match --glob \(glob)"))
                        continue
                    }
                    switch nestedInfo.st_mode & S_IFMT {
                    case S_IFREG:
                        inputs.append(LoadInput(path: nested, kind: nested.hasSuffix(".gz") ? .gzipFile : .regularFile))
                    case S_IFDIR:
                        skipped.append(LoadNote(kind: .skipped, source: nested, reason: "a directory (directories are not read recursively)"))
                    case S_IFIFO:
                        skipped.append(LoadNote(kind: .skipped, source: nested, reason: "a FIFO (name it as an input of its own to read it as a stream)"))
                    default:
                        skipped.append(LoadNote(kind: .skipped, source: nested, reason: "not a regular file"))
                    }
                }
            } else {
                inputs.append(try LoadInput.classify(path))
            }
        }
        return (inputs, skipped)
    }
}

/// Running totals shared by the writer tasks.
actor Totals {
    private(set) var summary = LoadSummary()

    func add(_ counts: BatchCounts, bytes: Int64, since start: ContinuousClock.Instant) -> LoadSummary {
        summary.add(counts, bytes: bytes)
        summary.seconds = start.duration(to: .now).inSeconds
        return summary
    }

    func note(_ note: LoadNote) {
        summary.notes.append(note)
    }
}

extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// The oldest `occurred_at` the loader accepts.
enum AcceptedWindow {
    /// Events older than the longest retention policy of an event category would be deleted by
    /// retention at once: they are rejected with that reason instead (policies are data:
    /// `data_retention_policies`, and the categories events map to, `retention_event_categories`;
    /// the bookkeeping's policies, such as the audit trail's, do not widen the window).
    static func oldestOccurredAt(on connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query("""
            SELECT max(p.ttl_days) AS days FROM public.data_retention_policies AS p
            WHERE p.category IN (SELECT c.category FROM public.retention_event_categories AS c)
            """)
        guard let days = try rows.first?.decode("days", as: Int64?.self) else { return .min }
        return NormalizationContext.nowMicroseconds() - days * 86_400_000_000
    }
}
