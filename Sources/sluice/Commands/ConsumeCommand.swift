import ArgumentParser
import EventContracts
import Foundation
import Loader
import Queues

/// `sluice consume redis|kafka`.
struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Load events from a queue (Redis Streams, Kafka) exactly once, as a member of a consumer group.",
        discussion: """
            The same validation, privacy, dedup and dead letter as `sluice load`. Each batch's rows, \
            ledger keys, dead letters and the group's queue position commit in one PostgreSQL \
            transaction; the queue is acknowledged only after COMMIT. At-least-once from the queue, \
            exactly-once effect in the warehouse (docs/queues.md).

            SIGINT/SIGTERM stop reading; batches in flight commit and are acknowledged; exit 0.
            """,
        subcommands: [Redis.self, Kafka.self]
    )

    /// Options both consumers share with `sluice load`.
    struct LoadingOptions: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions

        @Option(help: ArgumentHelp("Event contract of the messages: \(Contract.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "contract"))
        var contract: String = Contract.pocm.rawValue

        @Option(help: ArgumentHelp("Tenant the events belong to (an event's own tenant_id must match).", valueName: "tenant"))
        var tenant: String = "default"

        @Flag(help: "Print one JSON summary object (the load's counts, acknowledged, redelivered, poison, lag, latency_ms).")
        var json = false

        @Flag(help: "Exit once nothing new arrived for --idle-ms and nothing is pending (cron-style jobs, tests).")
        var drain = false

        @Option(name: .customLong("idle-ms"), help: "With --drain: how long the queue must stay quiet.")
        var idleMilliseconds = 1000

        @Option(help: "Parallel writer connections.")
        var writers = 2

        @Option(name: .customLong("retry-seconds"), help: "How long a lost connection (queue or database), or a Redis that answers LOADING, BUSY, TRYAGAIN, MASTERDOWN or CLUSTERDOWN, is retried (backoff 0.2 s doubling to 5 s, the last try at the end). A queue that refuses connections at the start is waited for 10 s.")
        var retrySeconds = 600

        @Option(name: .customLong("misconfig-lines"), help: ArgumentHelp(
            "When the run's first N messages are all rejected for the same reason (the same field, the same message but for its values), stop before committing or acknowledging any of them, exit 1, and say what looks wrong (the contract, the tenant, the field). Held back, they wait for more messages; after \(QueueSink.Options.defaultMisconfigurationQuiet.components.seconds) s without one, at least \(MisconfigurationCheck.minimumLines) stop, fewer load. 0 turns the check off.",
            valueName: "N"))
        var misconfigLines = MisconfigurationCheck.defaultLines

        func validate() throws {
            guard Contract(rawValue: contract) != nil else {
                throw ValidationError("unknown contract \"\(contract)\"; choose one of: \(Contract.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try TenantName.check(tenant)
            guard (1...32).contains(writers) else { throw ValidationError("--writers must be between 1 and 32") }
            guard idleMilliseconds >= 1, retrySeconds >= 0 else { throw ValidationError("--idle-ms and --retry-seconds must be positive") }
            guard misconfigLines >= 0 else { throw ValidationError("--misconfig-lines must not be negative (0 turns the check off)") }
        }

        func sinkOptions(source: String) throws -> QueueSink.Options {
            var options = QueueSink.Options(connectionString: connection.resolvedConnectionString(), source: source)
            options.contract = Contract(rawValue: contract) ?? .pocm
            options.tenant = tenant
            options.privacy = try KeyConfiguration.privacyPolicy(tenant: tenant)
            options.retryWindow = .seconds(retrySeconds)
            options.misconfigurationLines = misconfigLines
            return options
        }
    }

    /// Runs a consumer the way both subcommands do: a progress line on a TTY, SIGINT/SIGTERM stop it
    /// (batches in flight commit), log lines prefixed `sluice consume NAME:`; then the summary, or
    /// exit 1 with the error.
    static func run(_ name: String, source: String, loading: LoadingOptions,
                    consumer: @escaping (QueueSink, LoadStop, @escaping @Sendable (ConsumeSummary) -> Void,
                                         @escaping @Sendable (String) -> Void) async throws -> ConsumeSummary) async throws {
        let meter = ProgressMeter(enabled: isatty(STDERR_FILENO) == 1)
        let stop = LoadStop()
        let signals = StopSignals(stop: stop, grace: .seconds(30)) { signal in Foundation.exit(signal.exitCode) }
        let log: @Sendable (String) -> Void = { line in
            meter.clearLine()
            FileHandle.standardError.write(Data("sluice consume \(name): \(line)\n".utf8))
        }
        let outcome: Result<ConsumeSummary, Error>
        do {
            let sink = try await QueueSink.prepare(try loading.sinkOptions(source: source), registry: try EventContractRegistry(), log: log)
            outcome = .success(try await consumer(sink, stop, { meter.update($0.load) }, log))
        } catch {
            outcome = .failure(error)
        }
        _ = signals
        try finish(outcome, json: loading.json, meter: meter, name: name)
    }

    /// Prints a consumer's summary; exits 1 with it on failure.
    private static func finish(_ outcome: Result<ConsumeSummary, Error>, json: Bool, meter: ProgressMeter, name: String) throws {
        meter.finish()
        switch outcome {
        case .success(let summary):
            if json {
                print(summary.json)
            } else {
                let load = summary.load
                let lag = summary.lag.map { ", lag \($0)" } ?? ""
                let latency = summary.latencyP99.map { String(format: ", latency p50 %.0f ms p99 %.0f ms", summary.latencyP50 ?? 0, $0) } ?? ""
                print("read \(load.read): loaded \(load.loaded), duplicates \(load.duplicates), rejected \(load.rejected) (\(summary.poison) poison), sampled out \(load.sampledOut)\(load.suppressed > 0 ? ", suppressed \(load.suppressed)" : "") in \(counted(load.batches, "batch", "batches")); acknowledged \(summary.acknowledged), redelivered \(summary.redelivered)\(lag)\(latency)")
                if load.missingMedicalKey > 0 {
                    print("\(counted(load.missingMedicalKey, "medical event")) rejected: set SLUICE_MEDICAL_KEY (32 bytes, e.g. `openssl rand -hex 32`), then `sluice rejects replay`")
                }
                if load.rejected > 0 { print("see the rejected messages and why: sluice rejects list") }
            }
        case .failure(let error):
            FileHandle.standardError.write(Data("sluice consume \(name): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    struct Redis: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Consume a Redis stream as a member of a consumer group.",
            discussion: """
                Creates the group if missing (XGROUP CREATE … 0 MKSTREAM: existing entries are read). \
                This consumer's own pending entries are read first; entries other consumers left \
                pending longer than --claim-idle-ms are taken over (XCLAIM); an entry delivered more \
                than --max-deliveries times is dead-lettered as poison and acknowledged. Entries are \
                acknowledged (XACK) only after their batch committed; a second delivery of a committed \
                entry is recognized and not loaded again.

                A Redis that refuses connections, or is still loading, at the start is waited for \
                10 s. Later, a lost connection and the replies that mean "not yet" (LOADING after a \
                restart, BUSY, TRYAGAIN, MASTERDOWN, CLUSTERDOWN) are retried with backoff for \
                --retry-seconds, for every command; nothing is acknowledged before it committed.

                Examples:
                  sluice consume redis --url redis://127.0.0.1:6379 --stream events \\
                      --group loaders --tenant acme
                  redis-cli XADD events '*' event '{"type":"cart",…}'
                  sluice consume redis --url redis://… --stream events --group loaders \\
                      --drain --json
                """
        )
        @OptionGroup var loading: LoadingOptions
        @Option(help: ArgumentHelp("The Redis server: redis://[:password@]host[:port][/db].", valueName: "url")) var url: String
        @Option(help: "The stream.") var stream: String
        @Option(help: "The consumer group.") var group: String
        @Option(help: "This consumer's name in the group (default: host-pid).") var consumer: String?
        @Option(help: "The entry field holding the event JSON.") var field = "event"
        @Flag(name: .customLong("whole-entry"), help: "The entry's fields are the event: load them as one JSON object of strings.") var wholeEntry = false
        @Option(name: .customLong("batch-size"), help: "Entries per read and per batch.") var batchSize = 5_000
        @Option(name: .customLong("block-ms"), help: "How long one read waits for new entries.") var blockMilliseconds = 500
        @Option(name: .customLong("claim-idle-ms"), help: "Take over others' entries pending this long.") var claimIdleMilliseconds = 60_000
        @Option(name: .customLong("max-deliveries"), help: "Dead-letter an entry delivered more often than this.") var maxDeliveries = 5

        func validate() throws {
            guard !stream.isEmpty, !group.isEmpty else { throw ValidationError("--stream and --group must not be empty") }
            guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 100000") }
            guard blockMilliseconds >= 1, claimIdleMilliseconds >= 1, maxDeliveries >= 1 else {
                throw ValidationError("--block-ms, --claim-idle-ms and --max-deliveries must be positive")
            }
        }

        func run() async throws {
            let name = consumer ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())"
            var options = RedisConsumer.Options(url: url, stream: stream, group: group, consumer: name)
            options.field = wholeEntry ? nil : field
            options.batchSize = batchSize
            options.block = .milliseconds(blockMilliseconds)
            options.claimIdle = .milliseconds(claimIdleMilliseconds)
            options.maxDeliveries = maxDeliveries
            options.drain = loading.drain
            options.idle = .milliseconds(loading.idleMilliseconds)
            options.writers = loading.writers
            options.retryWindow = .seconds(loading.retrySeconds)
            try await ConsumeCommand.run("redis", source: "redis:\(stream)/\(group)", loading: loading) { sink, stop, progress, log in
                try await RedisConsumer(options: options, sink: sink).run(stop: stop, progress: progress, log: log)
            }
        }
    }

    struct Kafka: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Consume a Kafka topic as a member of a consumer group.",
            discussion: """
                Offsets live in PostgreSQL (queue_positions), committed in each batch's transaction; \
                on partition assignment the consumer seeks to them (a partition never stored starts \
                at the earliest message the broker holds). A stored offset the broker no longer has \
                (retention) stops the consumer rather than skip. A batch whose partition \
                another member committed first — after a rebalance — is rolled back whole and read \
                again from the stored offset. Kafka's committed offsets follow PostgreSQL's after \
                each COMMIT, for lag tools. Auto-commit is off.

                Examples:
                  sluice consume kafka --brokers 127.0.0.1:9092 --topic events \\
                      --group loaders --tenant acme
                  kcat -b 127.0.0.1:9092 -t events -P -l events.ndjson
                  sluice consume kafka --brokers … --topic events --group loaders \\
                      -X security.protocol=SASL_SSL -X sasl.mechanisms=PLAIN \\
                      -X sasl.username=… -X sasl.password=… --drain --json
                """
        )
        @OptionGroup var loading: LoadingOptions
        @Option(help: ArgumentHelp("Bootstrap brokers, host:port[,host:port…].", valueName: "brokers")) var brokers: String
        @Option(help: "The topic.") var topic: String
        @Option(help: "The consumer group.") var group: String
        @Option(name: .customLong("batch-size"), help: "Messages per batch, at most.") var batchSize = 5_000
        @Option(name: .customLong("linger-ms"), help: "How long a batch waits to fill before it commits anyway.") var lingerMilliseconds = 200
        @Option(name: .customShort("X"), help: ArgumentHelp("A librdkafka property, key=value (repeatable): security, timeouts, …", valueName: "key=value"))
        var properties: [String] = []

        func validate() throws {
            guard !brokers.isEmpty, !topic.isEmpty, !group.isEmpty else { throw ValidationError("--brokers, --topic and --group must not be empty") }
            guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 100000") }
            guard lingerMilliseconds >= 1 else { throw ValidationError("--linger-ms must be positive") }
            for property in properties where !property.contains("=") || property.hasPrefix("=") {
                throw ValidationError("-X \(property): expected key=value, e.g. -X session.timeout.ms=10000")
            }
        }

        func run() async throws {
            var options = KafkaConsumer.Options(brokers: brokers, topic: topic, group: group)
            options.batchSize = batchSize
            options.linger = .milliseconds(lingerMilliseconds)
            options.drain = loading.drain
            options.idle = .milliseconds(loading.idleMilliseconds)
            options.retryWindow = .seconds(loading.retrySeconds)
            options.properties = properties.map { property in
                let parts = property.split(separator: "=", maxSplits: 1).map(String.init)
                return KafkaConsumer.Property(key: parts[0], value: parts.count > 1 ? parts[1] : "")
            }
            try await ConsumeCommand.run("kafka", source: "kafka:\(topic)/\(group)", loading: loading) { sink, stop, progress, log in
                try await KafkaConsumer(options: options, sink: sink).run(stop: stop, progress: progress, log: log)
            }
        }
    }
}
