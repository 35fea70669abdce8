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
            read = loaded + duplicates + rejected + sampled_out + suppressed, always (suppressed: \
            events of subjects erased by `sluice gdpr erase` that occurred before the erasure).

            Each batch commits in one transaction with its rows, keys, rejects and the checkpoint of \
            its input, so a load that crashes or is killed resumes where it stopped: run the same \
            command again. A checkpoint belongs to (tenant, contract, input) and remembers the file it \
            read (device, inode, a fingerprint of its bytes): a rotated, truncated or rewritten file \
            is read from its start instead, and the load says so. Streams (stdin, FIFOs) are \
            checkpointed only when named with --source.

            A last line without a newline is loaded only once its JSON object has closed: a file still \
            being written keeps its half-written event for the next run (--final loads it as it is).

            Only a line's own fault rejects it. When the database refuses the work itself (permission \
            denied, a missing table, statement_timeout on even one line) the load stops with exit 1, \
            commits nothing more, prints what it committed and what to fix; run it again once fixed. \
            A lost connection is retried with backoff (--retry-seconds); a server that refuses \
            connections at the start is waited for the whole 10 s (or --retry-seconds), the last try \
            at its end; a missing database or \
            role, or a refused login, fails at once. SIGINT/SIGTERM stop reading, let the batches in \
            flight commit (at most 5 s), print the summary and exit 130/143.

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

    @Flag(help: "Print one JSON summary object (read, loaded, duplicates, rejected, sampled_out, suppressed, rejected_missing_medical_key, batches, seconds, and notes: reread_from_start, incomplete_last_lines, skipped; error when the load failed).")
    var json = false

    @Flag(help: "Exit 1 when any line was rejected.")
    var strict = false

    @Flag(help: "Ignore the checkpoint and read the input from its start (loaded events then count as duplicates).")
    var restart = false

    @Flag(help: "The files are complete: load a last line without a newline as it is (rejecting it if invalid) instead of leaving it for the next run.")
    var final = false

    @Option(help: "Parallel writer connections.")
    var writers = 2

    @Option(name: .customLong("batch-rows"), help: "Lines per batch (one transaction each).")
    var batchRows = 10_000

    @Option(name: .customLong("batch-mb"), help: "Megabytes per batch.")
    var batchMegabytes = 8

    @Option(name: .customLong("batch-delay-ms"), help: "Longest a line waits in an open batch (matters for slow streams).")
    var batchDelayMilliseconds = 1000

    @Option(name: .customLong("retry-seconds"), help: "How long to keep retrying a lost database connection (default 600 mid-load, 10 for the first connection).")
    var retrySeconds: Int?

    @Option(help: ArgumentHelp("Read only the files of a directory whose names match this shell pattern (quote it: --glob '*.ndjson'); the others are skipped with a note.", valueName: "pattern"))
    var glob: String?

    @Option(name: .customLong("misconfig-lines"), help: ArgumentHelp(
        "When the run's first N lines are all rejected for the same reason (the same field, the same message but for its values), stop before committing any of them, exit 1, and say what looks wrong (the contract, the tenant, the field). An input of fewer lines stops when at least \(MisconfigurationCheck.minimumLines) are. 0 turns the check off.",
        valueName: "N"))
    var misconfigLines = MisconfigurationCheck.defaultLines

    @Argument(help: ArgumentHelp("Files, .gz files, directories, or - for stdin.", valueName: "input"))
    var inputs: [String] = ["-"]

    func validate() throws {
        guard Contract(rawValue: contract) != nil else {
            throw ValidationError("unknown contract \"\(contract)\"; choose one of: \(Contract.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try TenantName.check(tenant)
        guard (1...32).contains(writers) else { throw ValidationError("--writers must be between 1 and 32") }
        guard batchRows >= 1, batchMegabytes >= 1, batchDelayMilliseconds >= 1 else { throw ValidationError("batch limits must be positive") }
        if let retrySeconds, retrySeconds < 0 { throw ValidationError("--retry-seconds must not be negative") }
        guard misconfigLines >= 0 else { throw ValidationError("--misconfig-lines must not be negative (0 turns the check off)") }
        if let source {
            guard !source.isEmpty, source.utf8.count <= 255 else { throw ValidationError("--source must be 1 to 255 bytes") }
            guard source.unicodeScalars.allSatisfy({ ![.control, .lineSeparator, .paragraphSeparator].contains($0.properties.generalCategory) }) else {
                throw ValidationError("--source must be printable text (no control characters)")
            }
        }
        if inputs.filter({ $0 == "-" }).count > 1 { throw ValidationError("stdin (-) can be read only once") }
        if let glob, glob.isEmpty { throw ValidationError("--glob needs a pattern, e.g. --glob '*.ndjson'") }
        // An input that is not there is a mistake in the command line (exit 2), caught before any
        // connection is made; one that vanishes later fails the load (exit 1).
        for input in inputs where input != "-" && access(input, F_OK) != 0 {
            throw ValidationError("no such file or directory: \(input)")
        }
    }

    func run() async throws {
        var options = LoadOptions(connectionString: connection.resolvedConnectionString())
        options.contract = Contract(rawValue: contract) ?? .pocm
        options.tenant = tenant
        options.sourceName = source
        options.inputs = inputs
        options.glob = glob
        options.writers = writers
        options.limits = .init(maxRows: batchRows, maxBytes: batchMegabytes << 20, maxDelay: .milliseconds(batchDelayMilliseconds))
        options.restart = restart
        options.finalInput = final
        options.misconfigurationLines = misconfigLines
        if let retrySeconds {
            options.retryWindow = .seconds(retrySeconds)
            options.startRetryWindow = .seconds(retrySeconds)
        }
        options.privacy = try KeyConfiguration.privacyPolicy(tenant: tenant)

        let registry = try EventContractRegistry()
        let interactive = isatty(STDERR_FILENO) == 1
        let meter = ProgressMeter(enabled: interactive)
        let stop = LoadStop()
        let json = self.json
        let signals = StopSignals(stop: stop) { signal in
            // Batches in flight did not commit within the grace period: what committed is
            // checkpointed; print it and go.
            meter.finish()
            let summary = meter.latest
            FileHandle.standardError.write(Data("sluice load: stopped by \(signal.name) before the batches in flight committed; they stay unread\n".utf8))
            Self.report(summary, json: json, extra: [("interrupted_by", signal.name)])
            Foundation.exit(signal.exitCode)
        }
        let outcome: Result<LoadSummary, Error>
        do {
            outcome = .success(try await LoadJob(options: options, registry: registry).run(
                progress: { meter.update($0) },
                log: { line in
                    meter.clearLine()
                    FileHandle.standardError.write(Data("sluice load: \(line)\n".utf8))
                },
                stop: stop
            ))
        } catch {
            outcome = .failure(error)
        }
        meter.finish()
        switch outcome {
        case .success(let summary):
            if let signal = signals.received {
                FileHandle.standardError.write(Data("sluice load: stopped by \(signal.name); the rest is read by the next run\n".utf8))
                Self.report(summary, json: json, extra: [("interrupted_by", signal.name)])
                throw ExitCode(signal.exitCode)
            }
            Self.report(summary, json: json)
            if strict && summary.rejected > 0 { throw ExitCode(1) }
        case .failure(let failure as LoadFailure):
            Self.report(failure.summary, json: json, extra: [("error", failure.reason)])
            FileHandle.standardError.write(Data("sluice load: \(failure.reason)\n".utf8))
            throw ExitCode(1)
        case .failure(let error):
            throw error
        }
    }

    /// The summary: one JSON object (`--json`), or a sentence and the notes.
    static func report(_ summary: LoadSummary, json: Bool, extra: [(String, String)] = []) {
        if json {
            print(summary.json(extra: extra))
            return
        }
        // The notes went to stderr as they happened.
        let rate = summary.seconds > 0 ? Double(summary.read) / summary.seconds : 0
        let batches = counted(summary.batches, "batch", "batches")
        let stopped = summary.interrupted || extra.contains { $0.0 == "error" || $0.0 == "interrupted_by" }
        if stopped && summary.batches == 0 {
            print("nothing was committed")
            return
        }
        let lead = stopped ? "committed before stopping: " : ""
        let suppressed = summary.suppressed > 0 ? ", suppressed \(summary.suppressed) (erased subjects)" : ""
        print("\(lead)read \(summary.read): loaded \(summary.loaded), duplicates \(summary.duplicates), rejected \(summary.rejected), sampled out \(summary.sampledOut)\(suppressed) in \(batches), \(String(format: "%.2f", summary.seconds)) s (\(Int(rate)) events/s)")
        if summary.missingMedicalKey > 0 {
            print("\(counted(summary.missingMedicalKey, "medical event")) rejected: set SLUICE_MEDICAL_KEY (32 bytes, e.g. `openssl rand -hex 32`), then `sluice rejects replay`")
        }
        if summary.rejected > 0 { print("see the rejected lines and why: sluice rejects list") }
    }
}

/// SIGINT and SIGTERM during a load: the first asks the load to stop (batches in flight commit, for
/// at most `grace`); if they have not within it, `onTimeout` reports and exits. A second signal
/// exits at once.
final class StopSignals: @unchecked Sendable {
    // @unchecked Sendable: `receivedSignal` is touched only under `lock`; the dispatch sources are
    // set up in init and only read afterwards.
    struct Received: Sendable {
        var number: Int32
        var name: String { number == SIGINT ? "SIGINT" : "SIGTERM" }
        var exitCode: Int32 { 128 + number }
    }

    private let lock = NSLock()
    private var receivedSignal: Received?
    private var sources: [DispatchSourceSignal] = []

    init(stop: LoadStop, grace: Duration = .seconds(5), onTimeout: @escaping @Sendable (Received) -> Void) {
        sources = handleStopSignals { [weak self] number in
            guard let self else { return }
            self.lock.lock()
            let first = self.receivedSignal == nil
            if first { self.receivedSignal = Received(number: number) }
            self.lock.unlock()
            let received = Received(number: number)
            guard first else { Foundation.exit(received.exitCode) }
            stop.request()
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(grace.components.seconds * 1000))) {
                onTimeout(received)
            }
        }
    }

    var received: Received? {
        lock.lock()
        defer { lock.unlock() }
        return receivedSignal
    }
}

/// Routes SIGINT and SIGTERM to `handler` (on a global queue) instead of their default action;
/// keep the returned sources alive for as long as the handling should last.
func handleStopSignals(_ handler: @escaping @Sendable (Int32) -> Void) -> [DispatchSourceSignal] {
    [SIGINT, SIGTERM].map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { handler(number) }
        source.resume()
        return source
    }
}

/// One self-rewriting progress line on a terminal; silent otherwise. Keeps the latest totals for
/// a report after a forced stop.
final class ProgressMeter: @unchecked Sendable {
    // @unchecked Sendable: `lastPrint`, `latestSummary` and `showing` are only touched under `lock`.
    private let enabled: Bool
    private let lock = NSLock()
    private var lastPrint = ContinuousClock.now - .seconds(1)
    private var latestSummary = LoadSummary()
    private var showing = false

    init(enabled: Bool) { self.enabled = enabled }

    var latest: LoadSummary {
        lock.lock()
        defer { lock.unlock() }
        return latestSummary
    }

    func update(_ summary: LoadSummary) {
        lock.lock()
        defer { lock.unlock() }
        if summary.batches >= latestSummary.batches { latestSummary = summary }
        guard enabled, lastPrint.duration(to: .now) >= .milliseconds(250) else { return }
        lastPrint = .now
        showing = true
        let seconds = max(summary.seconds, 0.001)
        let line = String(format: "\r%8.0f events/s %6.1f MB/s  loaded %d  duplicates %d  rejected %d  sampled out %d ",
                          Double(summary.read) / seconds, Double(summary.bytes) / seconds / 1_048_576,
                          summary.loaded, summary.duplicates, summary.rejected, summary.sampledOut)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the progress line so a log line starts on a line of its own.
    func clearLine() {
        lock.lock()
        defer { lock.unlock() }
        guard enabled, showing else { return }
        showing = false
        FileHandle.standardError.write(Data("\n".utf8))
    }

    func finish() {
        clearLine()
    }
}
