import ArgumentParser
import EventContracts
import Foundation
import Loader

/// `sluice load`.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Validate NDJSON events and bulk-load the valid ones, exactly once.",
        discussion: """
            Reads NDJSON (one event per line) from files, .gz files, directories (their files, in \
            name order) or stdin (-). Each line ends as exactly one of: loaded, duplicate (its \
            idempotency key was loaded before for this tenant and contract), rejected (kept in rejected_events with \
            its raw bytes and field-level reasons: see `sluice rejects`), or sampled out by policy. \
            read = loaded + duplicates + rejected + sampled_out, always.

            Each batch commits in one transaction with its rows, keys, rejects and the checkpoint of \
            its source, so a load that crashes or is killed resumes where it stopped: run the same \
            command again. A lost database connection is retried with backoff.

            Keys (environment only): SLUICE_MEDICAL_KEY (32 bytes, hex or base64) encrypts the \
            medical fields of pocm device/clinical events, which are rejected without it; \
            SLUICE_PII_HASH_SECRET keys the per-tenant hash of emails and phone numbers, which are \
            stripped without it.

            Examples:
              sluice load --contract pocm --tenant acme events.ndjson
              gzip -dc old.ndjson.gz | sluice load --source backfill-2026-10 -
              sluice load --json --strict exports/
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("Event contract of the input: \(Contract.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "contract"))
    var contract: String = Contract.pocm.rawValue

    @Option(help: ArgumentHelp("Tenant the events belong to (an event's own tenant_id must match).", valueName: "tenant"))
    var tenant: String = "default"

    @Option(help: ArgumentHelp("Checkpoint name of the input (default: the file's absolute path; stdin is only checkpointed when named).", valueName: "name"))
    var source: String?

    @Flag(help: "Print one JSON summary object (read, loaded, duplicates, rejected, sampled_out, batches, seconds).")
    var json = false

    @Flag(help: "Exit 1 when any line was rejected.")
    var strict = false

    @Flag(help: "Ignore the checkpoint and read the input from its start (loaded events then count as duplicates).")
    var restart = false

    @Option(help: "Parallel writer connections.")
    var writers = 2

    @Option(name: .customLong("batch-rows"), help: "Lines per batch (one transaction each).")
    var batchRows = 10_000

    @Option(name: .customLong("batch-mb"), help: "Megabytes per batch.")
    var batchMegabytes = 8

    @Option(name: .customLong("batch-delay-ms"), help: "Longest a line waits in an open batch (matters for slow streams).")
    var batchDelayMilliseconds = 1000

    @Option(name: .customLong("retry-seconds"), help: "How long to keep retrying a lost database connection before failing.")
    var retrySeconds = 600

    @Argument(help: ArgumentHelp("Files, .gz files, directories, or - for stdin.", valueName: "input"))
    var inputs: [String] = ["-"]

    func validate() throws {
        guard Contract(rawValue: contract) != nil else {
            throw ValidationError("unknown contract \"\(contract)\"; choose one of: \(Contract.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard !tenant.isEmpty, tenant.utf8.count <= 64 else { throw ValidationError("--tenant must be 1 to 64 characters") }
        guard (1...32).contains(writers) else { throw ValidationError("--writers must be between 1 and 32") }
        guard batchRows >= 1, batchMegabytes >= 1, batchDelayMilliseconds >= 1 else { throw ValidationError("batch limits must be positive") }
        guard retrySeconds >= 0 else { throw ValidationError("--retry-seconds must not be negative") }
        if inputs.filter({ $0 == "-" }).count > 1 { throw ValidationError("stdin (-) can be read only once") }
    }

    func run() async throws {
        var options = LoadOptions(connectionString: connection.resolvedConnectionString())
        options.contract = Contract(rawValue: contract) ?? .pocm
        options.tenant = tenant
        options.sourceName = source
        options.inputs = inputs
        options.writers = writers
        options.limits = .init(maxRows: batchRows, maxBytes: batchMegabytes << 20, maxDelay: .milliseconds(batchDelayMilliseconds))
        options.restart = restart
        options.retryWindow = .seconds(retrySeconds)
        options.privacy = try KeyConfiguration.privacyPolicy(tenant: tenant)

        let registry = try EventContractRegistry()
        let interactive = isatty(STDERR_FILENO) == 1
        let meter = ProgressMeter(enabled: interactive)
        let summary = try await LoadJob(options: options, registry: registry).run(
            progress: { meter.update($0) },
            log: { line in FileHandle.standardError.write(Data("sluice load: \(line)\n".utf8)) }
        )
        meter.finish()
        if json {
            print(summary.json)
        } else {
            let rate = summary.seconds > 0 ? Double(summary.read) / summary.seconds : 0
            print("read \(summary.read): loaded \(summary.loaded), duplicates \(summary.duplicates), rejected \(summary.rejected), sampled out \(summary.sampledOut) in \(summary.batches) batches, \(String(format: "%.2f", summary.seconds)) s (\(Int(rate)) events/s)")
            if summary.rejected > 0 { print("see the rejected lines and why: sluice rejects list") }
        }
        if strict && summary.rejected > 0 { throw ExitCode(1) }
    }
}

/// One self-rewriting progress line on a terminal; silent otherwise.
final class ProgressMeter: @unchecked Sendable {
    // @unchecked Sendable: `lastPrint` is only touched under `lock`.
    private let enabled: Bool
    private let lock = NSLock()
    private var lastPrint = ContinuousClock.now - .seconds(1)

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ summary: LoadSummary) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        guard lastPrint.duration(to: .now) >= .milliseconds(250) else { return }
        lastPrint = .now
        let seconds = max(summary.seconds, 0.001)
        let line = String(format: "\r%8.0f events/s %6.1f MB/s  loaded %d  duplicates %d  rejected %d  sampled out %d ",
                          Double(summary.read) / seconds, Double(summary.bytes) / seconds / 1_048_576,
                          summary.loaded, summary.duplicates, summary.rejected, summary.sampledOut)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
