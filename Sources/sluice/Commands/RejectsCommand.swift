import ArgumentParser
import EventContracts
import Foundation
import Loader

/// `sluice rejects list|show|replay`.
struct RejectsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rejects",
        abstract: "Inspect and replay dead-lettered input lines.",
        discussion: """
            Every line `sluice load` rejects is kept in rejected_events with its raw bytes exactly as \
            received, where it came from (source, line, byte offset) and the field-level reasons.

            rejected_events is under row-level security: a login that is neither a member of \
            sluice_loader nor BYPASSRLS sees only the tenant it names with --tenant.
            """,
        subcommands: [List.self, Show.self, Replay.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List recent rejected lines (newest first) with their first reason.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Only this tenant's.") var tenant: String?
        @Option(help: "Only this source (a file path or --source name).") var source: String?
        @Option(help: "How many to show.") var limit = 50
        @Flag(help: "Include lines that a replay has since loaded.") var all = false

        func run() async throws {
            let (rejects, total) = try await RejectStore(connectionString: connection.resolvedConnectionString())
                .list(tenant: tenant, source: source, includeReplayed: all, limit: max(1, limit))
            guard !rejects.isEmpty else {
                print(all ? "no rejected lines" : "no rejected lines waiting (use --all to include replayed ones)")
                return
            }
            for reject in rejects {
                let state = reject.replayedAt == nil ? "" : " [replayed]"
                print("#\(reject.id)  \(RejectText.escaped(reject.tenant))  \(RejectText.located(reject))  \(RejectText.escaped(RejectText.firstReason(reject.errorsJSON)))\(state)")
            }
            if total > rejects.count {
                print("\(total - rejects.count) more not shown (newest \(rejects.count) of \(total)); see more with --limit \(min(total, max(limit, 1) * 4)), or narrow with --tenant/--source")
            }
            print("details: sluice rejects show ID")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one rejected line: where it came from, every reason, its bytes.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The reject's id (from `sluice rejects list`).") var id: Int64
        @Option(help: "The reject's tenant (needed when your login is subject to row-level security).") var tenant: String?
        @Flag(help: "Write only the raw bytes, exactly as received, to stdout.") var raw = false

        func run() async throws {
            guard let reject = try await RejectStore(connectionString: connection.resolvedConnectionString()).show(id: id, tenant: tenant) else {
                FileHandle.standardError.write(Data("sluice rejects: no rejected line with id \(id)\n".utf8))
                throw ExitCode(1)
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
            print("reasons:     \(escaped(reject.errorsJSON))")
            print("raw (\(reject.raw.count) bytes): \(RejectText.printable(reject.raw, limit: 4096))")
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-validate waiting rejects with the current schemas and load the lines that now pass.",
            discussion: "Loads exactly once (the same key ledger as `sluice load`). Lines that still fail stay waiting, with today's reasons."
        )
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Only this tenant's rejects.") var tenant: String?
        @Option(help: "Only this source.") var source: String?
        @Flag(help: "Print one JSON object: examined, loaded, duplicates, still_rejected, sampled_out.") var json = false

        func run() async throws {
            let summary = try await RejectStore(connectionString: connection.resolvedConnectionString()).replay(
                tenant: tenant, source: source, registry: try EventContractRegistry(),
                privacy: { tenant in try KeyConfiguration.privacyPolicy(tenant: tenant) },
                log: { FileHandle.standardError.write(Data("sluice rejects: \($0)\n".utf8)) }
            )
            if json {
                print("{\"examined\":\(summary.examined),\"loaded\":\(summary.loaded),\"duplicates\":\(summary.duplicates),\"still_rejected\":\(summary.stillRejected),\"sampled_out\":\(summary.sampledOut)}")
            } else {
                print("replayed \(summary.examined): loaded \(summary.loaded), duplicates \(summary.duplicates), still rejected \(summary.stillRejected), sampled out \(summary.sampledOut)")
            }
        }
    }
}

enum RejectText {
    /// A dead letter of `sluice consume` (source `redis:STREAM/GROUP` or `kafka:TOPIC/GROUP`).
    static func isQueue(_ source: String) -> Bool {
        source.hasPrefix("redis:") || source.hasPrefix("kafka:")
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
        return "\(field): \(first["message"] as? String ?? "")\(more)"
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
