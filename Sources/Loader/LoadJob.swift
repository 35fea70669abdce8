import EventContracts
import Foundation
import Postgres

/// The totals of a load. `read == loaded + duplicates + rejected + sampledOut` always holds.
public struct LoadSummary: Sendable, Equatable {
    public var read = 0
    public var loaded = 0
    public var duplicates = 0
    public var rejected = 0
    /// Valid events dropped by policy: sampling, or opt-out when the policy drops.
    public var sampledOut = 0
    public var batches = 0
    public var bytes: Int64 = 0
    public var seconds = 0.0

    mutating func add(_ counts: BatchCounts, bytes: Int64) {
        read += counts.read
        loaded += counts.loaded
        duplicates += counts.duplicates
        rejected += counts.rejected
        sampledOut += counts.droppedByPolicy
        batches += 1
        self.bytes += bytes
    }

    /// The `--json` object of DESIGN.md.
    public var json: String {
        "{\"read\":\(read),\"loaded\":\(loaded),\"duplicates\":\(duplicates),\"rejected\":\(rejected),"
            + "\"sampled_out\":\(sampledOut),\"batches\":\(batches),\"seconds\":\(String(format: "%.3f", seconds))}"
    }
}

/// What to load and how.
public struct LoadOptions: Sendable {
    public var connectionString: String
    public var contract: Contract = .pocm
    public var tenant: String = "default"
    /// The checkpoint identity; defaults to each file's absolute path. Unnamed stdin is not checkpointed.
    public var sourceName: String?
    /// Files, directories (their files, sorted) or `-` for stdin.
    public var inputs: [String] = ["-"]
    public var writers = 2
    public var limits = Batcher.Limits()
    public var restart = false
    public var retryWindow: Duration = .seconds(600)
    /// Key material (from the environment); the actions, sampling and opt-outs come from the
    /// policy tables.
    public var privacy = PrivacyPolicy()

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
    ///   - log: one line per notable event (resume point, retry).
    public func run(progress: @escaping @Sendable (LoadSummary) -> Void = { _ in },
                    log: @escaping @Sendable (String) -> Void = { _ in }) async throws -> LoadSummary {
        let started = ContinuousClock.now
        let files = try Self.expand(options.inputs)
        let oldest = try await withConnection(log: log) { try await AcceptedWindow.oldestOccurredAt(on: $0) }
        let tenant = options.tenant
        let keys = options.privacy
        let (privacy, sampling, optOut) = try await withConnection(log: log) {
            try await PolicyStore(connection: $0).context(tenant: tenant, keys: keys)
        }
        let totals = Totals()
        let runID = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)

        for (index, input) in files.enumerated() {
            let isStdin = input == "-"
            let source: String
            if let name = options.sourceName {
                source = files.count > 1 ? "\(name):\(input)" : name
            } else {
                source = isStdin ? "stdin:\(runID)" : URL(fileURLWithPath: input).standardizedFileURL.path
            }
            let checkpointed = !isStdin || options.sourceName != nil
            let restart = options.restart
            let start: LineReader.Position = try await withConnection(log: log) { connection in
                let store = CheckpointStore(connection: connection)
                if restart && checkpointed { try await store.reset(source: source) }
                return checkpointed ? try await store.resumePosition(source: source) : .init(offset: 0, line: 0)
            }
            if start.offset > 0 { log("\(source): resuming after line \(start.line) (byte \(start.offset))") }

            let byteSource = try Self.open(input)
            let channel = BatchChannel<RawBatch>(capacity: max(2, options.writers))
            let reader = LineReader(
                source: byteSource, start: start,
                configuration: .init(limits: options.limits), channel: channel
            )
            let target = LoadTarget(
                connectionString: options.connectionString, tenant: options.tenant, contract: options.contract,
                source: source, checkpointed: checkpointed, runID: "\(runID)-\(index)", retryWindow: options.retryWindow
            )
            var context = NormalizationContext(tenantId: options.tenant, privacy: privacy)
            context.sampling = sampling
            context.optOut = optOut
            context.receivedAt = NormalizationContext.nowMicroseconds()
            let validator = BatchValidator(registry: registry, contract: options.contract, context: context, oldestAcceptedOccurredAt: oldest)

            reader.run()
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<max(1, options.writers) {
                        group.addTask {
                            let writer = BatchWriter(target: target, log: log)
                            do {
                                while let raw = await channel.receive() {
                                    let validated = await validator.validate(raw)
                                    let counts = try await writer.write(validated)
                                    let snapshot = await totals.add(counts, bytes: raw.endOffset - raw.startOffset, since: started)
                                    progress(snapshot)
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
                try? await reader.finish()
                throw error
            }
            try await reader.finish()
            if checkpointed {
                try await withConnection(log: log) { try await CheckpointStore(connection: $0).compact(source: source) }
            }
        }
        var summary = await totals.summary
        summary.seconds = started.duration(to: .now).inSeconds
        return summary
    }


    /// Runs `body` on a fresh connection, reconnecting through connection failures (server restart)
    /// with backoff for up to the retry window, like the writers.
    private func withConnection<T: Sendable>(log: @Sendable (String) -> Void, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + options.retryWindow
        var backoff = Duration.milliseconds(200)
        while true {
            do {
                let connection = try await PostgresConnection.connect(options.connectionString)
                do {
                    let value = try await body(connection)
                    await connection.close()
                    return value
                } catch {
                    await connection.close()
                    throw error
                }
            } catch let error as PostgresError where error.isConnectionFailure && ContinuousClock.now + backoff < deadline {
                log("\(error.description); retrying in \(backoff)")
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }

    /// Files as given; directories expand to their regular files in name order; `-` is stdin.
    static func expand(_ inputs: [String]) throws -> [String] {
        var files: [String] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            if input != "-", FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory), isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: input).filter { !$0.hasPrefix(".") }.sorted()
                for name in names {
                    let path = (input as NSString).appendingPathComponent(name)
                    var nested: ObjCBool = false
                    if FileManager.default.fileExists(atPath: path, isDirectory: &nested), !nested.boolValue { files.append(path) }
                }
            } else {
                files.append(input)
            }
        }
        return files
    }

    static func open(_ input: String) throws -> any ByteSource {
        if input == "-" { return FileByteSource(standardInput: ()) }
        let file = try FileByteSource(path: input)
        return input.hasSuffix(".gz") ? try GzipByteSource(file) : file
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
}

extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// The oldest `occurred_at` the loader accepts.
enum AcceptedWindow {
    /// Events older than the longest retention policy would be deleted by retention at once: they
    /// are rejected with that reason instead (policies are data: `data_retention_policies`).
    static func oldestOccurredAt(on connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query("SELECT max(ttl_days) AS days FROM data_retention_policies")
        guard let days = try rows.first?.decode("days", as: Int64?.self) else { return .min }
        return NormalizationContext.nowMicroseconds() - days * 86_400_000_000
    }
}
