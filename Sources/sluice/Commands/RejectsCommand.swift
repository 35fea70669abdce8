import ArgumentParser
import Compliance
import EventContracts
import Foundation
import Loader
import Postgres

/// `sluice rejects list|show|replay|discard`.
struct RejectsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rejects",
        abstract: "Inspect, replay and discard dead-lettered input lines.",
        discussion: """
            Every line `sluice load` rejects is kept in rejected_events with its raw bytes exactly as \
            received, where it came from (source, line, byte offset) and the field-level reasons. A \
            reject waits until a replay loads it or it is discarded; `list` shows the waiting ones.

            rejected_events is under row-level security: a login that is neither a member of \
            sluice_loader nor BYPASSRLS sees only the tenant it names with --tenant.

            With --json, every subcommand prints one JSON object, and on failure {"error": "…"} \
            (exit 1).
            """,
        subcommands: [List.self, Show.self, Replay.self, Discard.self]
    )

    /// Which rejects: the options `list`, `replay` and `discard` share.
    struct Selection: ParsableArguments {
        @Option(help: "Only this tenant's.") var tenant: String?
        @Option(help: ArgumentHelp(
            "Only this source: a file path as typed (relative to the working directory, as `sluice load` names files: their absolute path), a --source name, or a queue (redis:STREAM/GROUP, kafka:TOPIC/GROUP).",
            valueName: "source"))
        var source: String?
        @Option(help: ArgumentHelp("Only those dead-lettered under this contract.", valueName: "contract")) var contract: String?

        func validate() throws {
            if let contract, Contract(rawValue: contract) == nil {
                throw ValidationError("unknown contract \"\(contract)\"; choose one of: \(Contract.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if let source, source.isEmpty { throw ValidationError("--source must not be empty") }
            if let tenant { try TenantName.check(tenant) }
        }

        var filter: RejectStore.Filter {
            RejectStore.Filter(tenant: tenant, sources: RejectText.sources(source), contract: contract)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List recent rejected lines (newest first) with their first reason.",
            discussion: """
                --json prints {"rejects": [REJECT, …], "total": N}: the newest --limit of the N that \
                match. Each REJECT has every key, null where it does not apply: id, tenant, contract, \
                source, batch, line, byte_offset (files and streams), position (queues: {queue, entry, \
                partition, offset}), received_at, replayed_at, discarded_at, discarded_by, \
                discard_reason (ISO 8601 UTC times), reasons: [{field, message}].
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var selection: Selection
        @Option(help: "How many to show.") var limit = 50
        @Flag(help: "Include lines that a replay has since loaded, and discarded ones.") var all = false
        @Flag(help: "Print one JSON object (see above).") var json = false

        func run() async throws {
            try await RejectText.reportingFailure(json: json) {
                try await Preflight.check(connection.resolvedConnectionString(), need: .rejectsReader(command: "rejects list"))
                let (rejects, total) = try await RejectStore(connectionString: connection.resolvedConnectionString())
                    .list(selection.filter, includeAll: all, limit: max(1, limit))
                if json {
                    print(try RejectText.json(ListJSON(rejects: rejects.map { RejectJSON($0, withRaw: false) }, total: total)))
                    return
                }
                guard !rejects.isEmpty else {
                    print(all ? "no rejected lines" : "no rejected lines waiting (use --all to include replayed and discarded ones)")
                    return
                }
                for reject in rejects {
                    let state = reject.replayedAt != nil ? " [replayed]" : reject.discardedAt != nil ? " [discarded]" : ""
                    print("#\(reject.id)  \(RejectText.escaped(reject.tenant))  \(RejectText.located(reject))  \(RejectText.escaped(RejectText.firstReason(reject.errorsJSON)))\(state)")
                }
                if total > rejects.count {
                    print("\(total - rejects.count) more not shown (newest \(rejects.count) of \(total)); see more with --limit \(min(total, max(limit, 1) * 4)), or narrow with --tenant/--source")
                }
                print("details: sluice rejects show ID")
            }
        }

        struct ListJSON: Encodable {
            var rejects: [RejectJSON]
            var total: Int
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one rejected line: where it came from, every reason, its bytes.",
            discussion: """
                --json prints one REJECT object (the keys of `sluice rejects list --json`) plus \
                raw_bytes, raw_base64 (the bytes exactly as received) and raw_text (the same as text \
                when they are valid UTF-8, else null).
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The reject's id as `sluice rejects list` prints it: #107 (quoted: # starts a shell comment) or 107.", valueName: "id"))
        var id: RejectID
        @Option(help: "The reject's tenant (needed when your login is subject to row-level security).") var tenant: String?
        @Flag(help: "Write only the raw bytes, exactly as received, to stdout.") var raw = false
        @Option(help: ArgumentHelp("Who is acting, for the audit trail (default: the operating-system user).", valueName: "name"))
        var actor: String?
        @Flag(help: "Print one JSON object (see above).") var json = false

        func validate() throws {
            if raw && json { throw ValidationError("--raw and --json exclude each other") }
            if let tenant { try TenantName.check(tenant) }
        }

        func run() async throws {
            try await RejectText.reportingFailure(json: json) {
                try await Preflight.check(connection.resolvedConnectionString(), need: .rejectsReader(command: "rejects show"))
                // A raw line is a person's data: reading it is audited, in the read's transaction.
                let actor = ActorName.resolve(actor)
                let output = raw ? "raw" : json ? "json" : "text"
                guard let reject = try await RejectStore(connectionString: connection.resolvedConnectionString()).show(id: id.value, tenant: tenant, audit: { connection, reject in
                    var entry = AuditEntry(tenant: reject.tenant, action: "rejects.show", resource: "rejected_events#\(reject.id)", actor: actor,
                                           classification: "pii")
                    entry.rowCounts = ["rejected_events": 1]
                    entry.details = ["output": output, "source": reject.source, "raw_bytes": String(reject.raw.count)]
                    try AuditLog.append(entry, on: connection)
                }) else {
                    throw RejectText.Failure("no rejected line with id \(id.value)")
                }
                if json {
                    print(try RejectText.json(RejectJSON(reject, withRaw: true)))
                    return
                }
                if raw {
                    FileHandle.standardOutput.write(Data(reject.raw))
                    return
                }
                let escaped = RejectText.escaped
                print("id:          \(reject.id)")
                let at = RejectText.isQueue(reject.source) ? RejectText.position(reject) : "line \(reject.lineNumber), byte offset \(reject.byteOffset)"
                print("source:      \(escaped(reject.source)), \(at)")
                print("tenant:      \(escaped(reject.tenant))   contract: \(escaped(reject.contract))   batch: \(escaped(reject.batchID))")
                print("received at: \(reject.receivedAt)\(reject.replayedAt.map { "   replayed at: \($0)" } ?? "")")
                if let discardedAt = reject.discardedAt {
                    let why = reject.discardReason.map { ": \(escaped($0))" } ?? ""
                    print("discarded:   \(discardedAt) by \(escaped(reject.discardedBy ?? "?"))\(why)")
                }
                print("reasons:     \(escaped(reject.errorsJSON))")
                print("raw (\(reject.raw.count) bytes): \(RejectText.printable(reject.raw, limit: 4096))")
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-validate waiting rejects with the current schemas and load the lines that now pass.",
            discussion: """
                Loads exactly once (the same key ledger as `sluice load`). Lines that still fail stay \
                waiting, with today's reasons.

                --tenant, --source and --contract choose which rejects (filters). --as-tenant and \
                --as-contract say what to validate and load them as instead of what they were \
                dead-lettered with — after a load ran with the wrong --tenant or --contract. Lines \
                that pass are loaded under the new tenant/contract (their source stays, and they are \
                marked replayed); a line that still fails keeps waiting unchanged, under its own \
                tenant and contract and with the reasons it failed for there (stderr shows one of the \
                new reasons).

                Examples:
                  sluice rejects replay --source events.ndjson
                  sluice rejects replay --source redis:events/loaders --contract recs --as-contract pocm
                  sluice rejects replay --tenant default --as-tenant acme
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var selection: Selection
        @Option(name: .customLong("as-tenant"), help: ArgumentHelp("Validate and load the selected rejects as this tenant's.", valueName: "tenant"))
        var asTenant: String?
        @Option(name: .customLong("as-contract"), help: ArgumentHelp("Validate and load the selected rejects under this contract.", valueName: "contract"))
        var asContract: String?
        @Flag(help: "Print one JSON object: examined, loaded, duplicates, still_rejected, sampled_out, suppressed.") var json = false

        func validate() throws {
            if let asContract, Contract(rawValue: asContract) == nil {
                throw ValidationError("unknown contract \"\(asContract)\" for --as-contract; choose one of: \(Contract.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if let asTenant { try TenantName.check(asTenant, option: "--as-tenant") }
        }

        func run() async throws {
            try await RejectText.reportingFailure(json: json) {
                try await Preflight.check(connection.resolvedConnectionString(), need: .loader(command: "rejects replay"))
                let target = RejectStore.Target(tenant: asTenant, contract: asContract.flatMap(Contract.init(rawValue:)))
                let summary = try await RejectStore(connectionString: connection.resolvedConnectionString()).replay(
                    selection.filter, as: target, registry: try EventContractRegistry(),
                    privacy: { tenant in try KeyConfiguration.privacyPolicy(tenant: tenant) },
                    log: { FileHandle.standardError.write(Data("sluice rejects: \($0)\n".utf8)) }
                )
                if json {
                    print(try RejectText.json(ReplayJSON(examined: summary.examined, loaded: summary.loaded, duplicates: summary.duplicates,
                                                         still_rejected: summary.stillRejected, sampled_out: summary.sampledOut,
                                                         suppressed: summary.suppressed)))
                } else {
                    print("replayed \(summary.examined): loaded \(summary.loaded), duplicates \(summary.duplicates), still rejected \(summary.stillRejected), sampled out \(summary.sampledOut)"
                          + (summary.suppressed > 0 ? ", suppressed \(summary.suppressed) (erased subjects)" : ""))
                }
            }
        }

        struct ReplayJSON: Encodable {
            var examined: Int
            var loaded: Int
            var duplicates: Int
            var still_rejected: Int
            var sampled_out: Int
            var suppressed: Int
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark waiting rejects discarded: no longer listed or replayed, never deleted.",
            discussion: """
                For lines nobody will fix. A discarded reject keeps its bytes and reasons, and records \
                who discarded it (the login), when, and --reason; `sluice rejects list --all` and \
                `show` still show it. Only waiting rejects are discarded (not replayed ones). Name \
                them by id, or every waiting reject of a --source (narrowed with --tenant, \
                --contract); without either nothing is discarded. Needs the privileges of \
                sluice_loader.

                --json prints {"discarded": N, "ids": [the ids discarded], "not_waiting": [ids named \
                that were not waiting: replayed, discarded before, or not found]}.

                Examples:
                  sluice rejects discard '#107' 108 --reason "test traffic"
                  sluice rejects discard --source /var/log/old.ndjson --tenant acme
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("Rejects' ids as `sluice rejects list` prints them (#107 or 107).", valueName: "id"))
        var ids: [RejectID] = []
        @OptionGroup var selection: Selection
        @Option(help: "Why, kept with the rejects.") var reason: String?
        @Option(help: ArgumentHelp("Who is acting, for the audit trail (default: the operating-system user).", valueName: "name"))
        var actor: String?
        @Flag(help: "Print one JSON object (see above).") var json = false

        func validate() throws {
            if ids.isEmpty && selection.source == nil {
                throw ValidationError("name the rejects to discard: their ids, or --source (with --tenant to narrow); nothing was discarded")
            }
            if !ids.isEmpty && selection.source != nil {
                throw ValidationError("give ids or --source, not both")
            }
        }

        func run() async throws {
            try await RejectText.reportingFailure(json: json) {
                try await Preflight.check(connection.resolvedConnectionString(), need: .loader(command: "rejects discard"))
                let summary = try await RejectStore(connectionString: connection.resolvedConnectionString())
                    .discard(ids: ids.map(\.value), filter: selection.filter, reason: reason, audit: audit)
                if json {
                    print(try RejectText.json(DiscardJSON(discarded: summary.discarded.count, ids: summary.discarded, not_waiting: summary.notWaiting)))
                    return
                }
                print("discarded \(counted(summary.discarded.count, "rejected line", "rejected lines"))")
                if !summary.notWaiting.isEmpty {
                    print("not waiting (replayed, discarded before, or not found): \(summary.notWaiting.map { "#\($0)" }.joined(separator: " "))")
                }
            }
        }

        /// One audit entry per tenant whose rejects were discarded, in the discard's transaction.
        var audit: @Sendable (isolated PostgresConnection, String, [Int64]) throws -> Void {
            let actor = ActorName.resolve(actor)
            let reason = reason
            let selection = ids.isEmpty ? "source \(self.selection.source ?? "")" : "ids \(ids.map { String($0.value) }.joined(separator: ","))"
            return { connection, tenant, discarded in
                var entry = AuditEntry(tenant: tenant, action: "rejects.discard", resource: "rejected_events", actor: actor, classification: "pii")
                entry.rowCounts = ["rejected_events": Int64(discarded.count)]
                entry.details = ["selection": String(selection.prefix(2000)), "ids": String(discarded.map(String.init).joined(separator: ",").prefix(2000))]
                if let reason { entry.details["reason"] = reason }
                try AuditLog.append(entry, on: connection)
            }
        }

        struct DiscardJSON: Encodable {
            var discarded: Int
            var ids: [Int64]
            var not_waiting: [Int64]
        }
    }
}

/// A reject's id as `sluice rejects list` prints it (`#107`) or bare (`107`).
struct RejectID: ExpressibleByArgument, Sendable {
    var value: Int64

    init?(argument: String) {
        let digits = argument.hasPrefix("#") ? argument.dropFirst() : Substring(argument)
        guard let value = Int64(digits), value > 0 else { return nil }
        self.value = value
    }
}

enum RejectText {
    /// A dead letter of `sluice consume` (source `redis:STREAM/GROUP` or `kafka:TOPIC/GROUP`).
    static func isQueue(_ source: String) -> Bool {
        source.hasPrefix("redis:") || source.hasPrefix("kafka:")
    }

    /// The stored sources `--source VALUE` may mean: the value as given (a --source name, a queue,
    /// an absolute path) and, unless it names a queue, the absolute path `sluice load` would have
    /// stored for it typed in this working directory (LoadJob's `sourceName`).
    static func sources(_ given: String?) -> [String] {
        guard let given else { return [] }
        if isQueue(given) { return [given] }
        let absolute = URL(fileURLWithPath: given).standardizedFileURL.path
        return absolute == given ? [given] : [given, absolute]
    }

    /// A failure worded for the operator (no "Error:" prefix, no type name).
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// `{"error": "…"}`
    struct ErrorJSON: Encodable {
        var error: String
    }

    /// One JSON object, keys sorted (the same bytes for the same rejects, run after run).
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Runs a subcommand's work; on failure prints `{"error": "…"}` (with --json) or the reason to
    /// stderr, and exits 1.
    static func reportingFailure(json: Bool, _ work: () async throws -> Void) async throws {
        do {
            try await work()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            let reason = String(describing: error)
            if json, let text = try? Self.json(ErrorJSON(error: reason)) {
                print(text)
            } else {
                FileHandle.standardError.write(Data("sluice rejects: \(escaped(reason))\n".utf8))
            }
            throw ExitCode(1)
        }
    }

    /// `source:line` for files and streams; `source entry …` / `source partition … offset …` for queues.
    static func located(_ reject: RejectStore.Reject) -> String {
        isQueue(reject.source) ? "\(escaped(reject.source)) \(position(reject))" : "\(escaped(reject.source)):\(reject.lineNumber)"
    }

    /// Where the rejected line was, as its source names it: a file's line, a Redis entry id, a
    /// Kafka partition and offset (see `QueueMessageRef.deadLetterPosition`).
    static func position(_ reject: RejectStore.Reject) -> String {
        if reject.source.hasPrefix("redis:") {
            return "entry \(RedisStreamID(packed: reject.lineNumber).text)"
        }
        if reject.source.hasPrefix("kafka:") {
            return "partition \(reject.byteOffset >> QueueMessageRef.partitionShift) offset \(reject.lineNumber)"
        }
        return "line \(reject.lineNumber)"
    }

    /// "field: message" of the first error in the stored JSON.
    static func firstReason(_ json: String) -> String {
        guard let data = json.data(using: .utf8),
              let errors = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]],
              let first = errors.first else { return json }
        let field = (first["field"] as? String).map { $0.isEmpty ? "(line)" : $0 } ?? "?"
        let more = errors.count > 1 ? " (+\(errors.count - 1) more)" : ""
        // One line per reject: a message listing 45 allowed values is cut (`show` has it whole).
        var message = first["message"] as? String ?? ""
        if message.count > 120 { message = String(message.prefix(117)) + "…" }
        return "\(field): \(message)\(more)"
    }

    /// Text with its control characters shown as `\xNN` (and `\u{…}` above ASCII), so a name or a
    /// message cannot move the cursor, clear the screen or fake another line of output.
    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator, .format:
                result += scalar.value < 0x100 ? String(format: "\\x%02X", scalar.value) : String(format: "\\u{%04X}", scalar.value)
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// UTF-8 text with invalid bytes and control characters shown as \xNN.
    static func printable(_ bytes: [UInt8], limit: Int) -> String {
        var text = ""
        var index = 0
        let shown = bytes.prefix(limit)
        while index < shown.count {
            let byte = shown[shown.startIndex + index]
            if byte >= 0x20 && byte < 0x7F {
                text.unicodeScalars.append(Unicode.Scalar(byte))
                index += 1
                continue
            }
            // Try a multi-byte UTF-8 sequence.
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC2 ? 2 : 0
            if length > 0, index + length <= shown.count,
               let scalar = String(validating: shown[(shown.startIndex + index)..<(shown.startIndex + index + length)], as: UTF8.self) {
                text += escaped(scalar)
                index += length
                continue
            }
            text += String(format: "\\x%02X", byte)
            index += 1
        }
        return bytes.count > limit ? text + "… (\(bytes.count - limit) more bytes; --raw writes them all)" : text
    }
}
