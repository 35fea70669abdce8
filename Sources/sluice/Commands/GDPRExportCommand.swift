import ArgumentParser
import Compliance
import Foundation
import Loader

/// `sluice gdpr export`.
struct GDPRExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export everything held about one person (GDPR Article 15) into OUT/<request-id>/.",
        discussion: """
            Writes one gzip NDJSON file per table: events.ndjson.gz (every event of the subject in \
            every partition, by user id and by stitched alias, medical fields decrypted), \
            dim_users, identity_links, identity_pairs, user_attribute_values, \
            personalization_opt_outs, dead_letters (refused lines naming the subject) and \
            audit_entries; then README.txt and manifest.json (request id, tenant, generated_at, \
            rows, bytes and SHA-256 of every file). Rows are read through a server-side cursor: \
            memory stays flat whatever the volume.

            The request is a row of gdpr_export_requests (pending → running → completed | failed; \
            download_url is the manifest's file:// URL). Killed at any point, the same command \
            finishes it (the unfinished request of the same subject resumes; or name it with \
            --request-id): complete files are kept once their SHA-256 is checked, the others \
            written again; no file ever has its final name before it is complete, and the manifest \
            comes last. Needs SLUICE_PII_HASH_SECRET, SLUICE_MEDICAL_KEY when the subject has \
            medical fields, and a member of sluice_compliance. Audited (gdpr.export; classified \
            medical when medical fields were decrypted).

            --json prints {status, request_id, subject_hash, resumed, already_completed, \
            output_dir, download_url, users, aliases, files [{name, rows, bytes, sha256}], \
            files_kept, medical_fields_decrypted}, or {"error": …}.

            Examples:
              sluice gdpr export --tenant acme --user u-1842 --out /srv/exports
              sluice gdpr export --tenant acme --user u-1842 --out /srv/exports --request-id dsar-311
              sluice gdpr status dsar-311 --tenant acme
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var subject: GDPRSubjectOptions
    @Option(help: ArgumentHelp("The directory to write the request's directory in.", valueName: "dir")) var out: String
    @Option(name: .customLong("request-id"), help: ArgumentHelp("Resume (or create) this request; default: the subject's unfinished one, else a new id.", valueName: "id"))
    var requestID: String?
    @Option(help: ArgumentHelp("Who is acting, for the audit trail (default: the operating-system user).", valueName: "name"))
    var actor: String?
    @Option(name: .customLong("fetch-size"), help: "Rows read per FETCH.") var fetchSize = 2_000
    @Flag(help: "Print one JSON object (above).") var json = false

    func validate() throws {
        guard !out.isEmpty else { throw ValidationError("--out must name a directory") }
        guard (1...100_000).contains(fetchSize) else { throw ValidationError("--fetch-size must be between 1 and 100000") }
        if let requestID {
            do { try Export.checkRequestID(requestID) } catch { throw ValidationError(String(describing: error)) }
        }
    }

    func run() async throws {
        let report: Export.Report
        do {
            let connectionString = connection.resolvedConnectionString()
            try await Preflight.check(connectionString, need: nil)
            let policy = try KeyConfiguration.privacyPolicy(tenant: subject.tenant)
            var options = Export.Options(tenant: subject.tenant, subject: try subject.name(), actor: ActorName.resolve(actor), outputDirectory: out)
            options.requestID = requestID
            options.fetchSize = fetchSize
            report = try await Export(connectionString: connectionString, hashKey: policy.piiHashSecret, medicalKey: policy.medicalKey).run(options) { line in
                if !json { FileHandle.standardError.write(Data("sluice gdpr export: \(line)\n".utf8)) }
            }
        } catch {
            throw JSONOutput.fail(error, json: json)
        }
        if json { return JSONOutput.print(report) }
        let what = report.already_completed ? "was already complete" : report.resumed ? "completed (resumed; \(report.files_kept) file(s) kept)" : "completed"
        print("export \(report.request_id) of \(subject.label) of tenant \(RejectText.escaped(subject.tenant)) \(what): \(report.output_dir)")
        print(StatusTable.render(header: ["FILE", "ROWS", "BYTES"], rightAligned: [1, 2],
                                 rows: report.files.map { [$0.name, String($0.rows), String($0.bytes)] }))
        if report.medical_fields_decrypted > 0 { print("\(counted(report.medical_fields_decrypted, "medical field")) decrypted") }
        print("manifest: \(report.download_url)")
    }
}
