import ArgumentParser
import EventContracts
import Foundation
import SampleEvents

/// `sluice generate`: deterministic sample events for demos, tests and the load benchmark.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write deterministic sample events (NDJSON) for a contract.",
        discussion: """
            Writes COUNT JSON events, one per line, that are valid for the chosen contract, to \
            standard output or --output FILE. Same flags give byte-identical output; only the time \
            base moves with the clock, and --now pins it too.

            pocm (default) mixes all 45 types, weighted like a shop's traffic (cart, search, user, \
            checkout, payment most often), ~650 bytes per line, each line with a unique \
            idempotency_key (<type>:<seed>:<line index>) and tenant_id = --tenant. occurred_at falls \
            within the last --days days before now, never later. Medical types carry patient ids, so \
            loading them needs a medical-field key (or a strip policy).

            Other contracts (ingestion-api, growthos, platform, recs) cover every event type of \
            the contract, with unique event ids (UUIDs where the schema asks for them).

            --invalid-every K breaks every K-th line (lines K, 2K, … counting from 1) in one of four \
            ways: a timestamp that is a number, a missing required field, an unknown event type \
            (an over-long eventName for growthos), or JSON cut off mid-line. The line count stays \
            COUNT, so a load shows exactly COUNT/K lines dead-lettered.

            Examples:
              sluice generate --count 5 | sluice validate
              sluice generate --contract recs --count 100000 --output bench-out/recs.ndjson
              sluice generate --count 1000 --invalid-every 10 | sluice load --tenant acme -
              sluice generate --seed 7 --now 2024-05-01T12:00:00Z --days 7 > fixed.ndjson
              sluice generate --count 1600000 --seed 1 --output bench-out/events.ndjson   # ~1 GB
            """
    )

    @Option(name: .long, help: "Contract the events follow: \(Contract.allCases.map(\.rawValue).joined(separator: ", ")).")
    var contract: String = Contract.pocm.rawValue

    @Option(name: .long, help: "Number of lines to write.")
    var count: Int = 10_000

    @Option(name: .long, help: "Seed of the generator; the same seed gives the same events.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Tenant written into each pocm event's tenant_id (load with the same --tenant).")
    var tenant: String = "default"

    @Option(name: .long, help: "Events fall within this many days before now.")
    var days: Int = 30

    @Option(name: .long, help: "Make every K-th line invalid (K ≥ 1); by default every line is valid.")
    var invalidEvery: Int?

    @Option(name: .long, help: "Time base as RFC 3339 (e.g. 2024-05-01T12:00:00Z); default: the current time.")
    var now: String?

    @Option(name: [.short, .long], help: "File to write (created or truncated); '-' or nothing writes standard output.")
    var output: String?

    func validate() throws {
        guard Contract(rawValue: contract) != nil else {
            throw ValidationError("unknown contract \"\(contract)\"; choose one of: \(Contract.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard count >= 0 else { throw ValidationError("--count must be 0 or more, got \(count)") }
        if let invalidEvery, invalidEvery < 1 {
            throw ValidationError("--invalid-every must be 1 or more (every K-th line is broken), got \(invalidEvery)")
        }
        guard days >= 1 else { throw ValidationError("--days must be 1 or more, got \(days)") }
        try TenantName.check(tenant)
        if let now, Self.parseTime(now) == nil {
            throw ValidationError("--now must be an RFC 3339 timestamp such as 2024-05-01T12:00:00Z, got \"\(now)\"")
        }
    }

    func run() async throws {
        // validate() has checked both; the guards keep bad input a message, never a crash.
        guard let contract = Contract(rawValue: contract) else { throw ExitCode(2) }
        let nowMicros = now.flatMap(Self.parseTime) ?? NormalizationContext.nowMicroseconds()
        let generator: EventGenerator
        do {
            generator = try EventGenerator(options: .init(contract: contract, seed: seed, tenantId: tenant, days: days,
                                                          invalidEvery: invalidEvery, now: nowMicros))
        } catch {
            throw ValidationError(error.description)
        }
        do {
            let file = try NDJSONOutputFile(path: output)
            try generator.generate(count: count) { chunk in try file.write(chunk) }
            try file.close()
        } catch let error as NDJSONOutputFile.WriteError {
            FileHandle.standardError.write(Data("sluice generate: \(error.description)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// µs since the epoch for an RFC 3339 timestamp, with or without fractional seconds.
    static func parseTime(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970) * 1_000_000 }
        return nil
    }
}
