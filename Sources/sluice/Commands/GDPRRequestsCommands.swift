import ArgumentParser
import Compliance
import Foundation
import Postgres

/// `sluice gdpr status REQUEST_ID`.
struct GDPRStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show one export or erasure request: its status, times, files or counts, error.",
        discussion: """
            Run as a member of sluice_compliance, name the request's tenant with --tenant (row-level \
            security shows compliance staff one tenant at a time); a superuser sees every tenant's.

            --json prints {kind, request_id, tenant, subject_hash, status, requested_by, \
            created_at, started_at, completed_at, download_url, output_dir, error, row_counts}, or \
            {"error": …}. Exits 1 when no such request is visible.

            Examples:
              sluice gdpr status 6f1c0e7a-2b1d-4c55-9a51-0d5f2f7e6a10 --tenant acme
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The request id (printed by export or erase).") var requestID: String
    @Option(help: "The request's tenant.") var tenant: String?
    @Flag(help: "Print one JSON object (above).") var json = false

    func validate() throws {
        if let tenant { try TenantName.check(tenant) }
    }

    func run() async throws {
        let request: GDPRRequests.Request
        do {
            let connectionString = connection.resolvedConnectionString()
            try await Preflight.check(connectionString, need: nil)
            let connection = try await ComplianceSession.open(connectionString, command: "gdpr status")
            let found: [GDPRRequests.Request]
            let everyTenant: Bool
            do {
                found = try await GDPRRequests.list(tenant: tenant, requestID: requestID, limit: 2, on: connection)
                everyTenant = try await GDPRRequests.seesEveryTenant(on: connection)
                await connection.close()
            } catch {
                await connection.close()
                throw error
            }
            guard let first = found.first else {
                throw CLIError(tenant == nil && !everyTenant
                               ? "no request \(RejectText.escaped(requestID)) is visible without --tenant: name its tenant (compliance staff see one tenant at a time)"
                               : "no export or erasure request \(RejectText.escaped(requestID))\(tenant.map { " in tenant \(RejectText.escaped($0))" } ?? ""): see `sluice gdpr list`")
            }
            request = first
        } catch {
            throw JSONOutput.fail(error, json: json)
        }
        if json { return JSONOutput.print(request) }
        print("\(request.kind) request \(request.request_id) of tenant \(RejectText.escaped(request.tenant)): \(request.status)")
        print("  subject \(request.subject_hash)")
        print("  requested by \(request.requested_by ?? "?") at \(request.created_at ?? "?")")
        if let started = request.started_at { print("  \(request.kind == "export" ? "started" : "erased as of") \(started)") }
        if let completed = request.completed_at { print("  completed \(completed)") }
        if let url = request.download_url { print("  manifest \(url)") }
        if let error = request.error { print("  error: \(error)") }
        if !request.row_counts.isEmpty {
            print(StatusTable.render(header: [request.kind == "export" ? "FILE" : "TABLE", "ROWS"], rightAligned: [1],
                                     rows: request.row_counts.sorted { $0.key < $1.key }.map { [$0.key, String($0.value)] }))
        }
    }
}

/// `sluice gdpr list`.
struct GDPRListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List export and erasure requests, newest first.",
        discussion: """
            Run as a member of sluice_compliance, name the tenant with --tenant (row-level security \
            shows compliance staff one tenant at a time); a superuser sees every tenant's without it.

            --json prints {requests: [{kind, request_id, tenant, subject_hash, status, \
            requested_by, created_at, started_at, completed_at, download_url, output_dir, error, \
            row_counts}]}, or {"error": …}.

            Examples:
              sluice gdpr list --tenant acme
              sluice gdpr list --tenant acme --limit 200 --json
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only this tenant's requests.") var tenant: String?
    @Option(help: "At most this many.") var limit = 50
    @Flag(help: "Print one JSON object (above).") var json = false

    func validate() throws {
        if let tenant { try TenantName.check(tenant) }
        guard limit > 0 else { throw ValidationError("--limit must be positive") }
    }

    struct Listing: Encodable {
        var requests: [GDPRRequests.Request]
    }

    func run() async throws {
        let requests: [GDPRRequests.Request]
        do {
            let connectionString = connection.resolvedConnectionString()
            try await Preflight.check(connectionString, need: nil)
            let connection = try await ComplianceSession.open(connectionString, command: "gdpr list")
            do {
                if tenant == nil, !(try await GDPRRequests.seesEveryTenant(on: connection)) {
                    throw CLIError("name the tenant with --tenant: compliance staff see one tenant's requests at a time (row-level security)")
                }
                requests = try await GDPRRequests.list(tenant: tenant, limit: limit, on: connection)
                await connection.close()
            } catch {
                await connection.close()
                throw error
            }
        } catch {
            throw JSONOutput.fail(error, json: json)
        }
        if json { return JSONOutput.print(Listing(requests: requests)) }
        guard !requests.isEmpty else { return print("no export or erasure requests\(tenant.map { " in tenant \(RejectText.escaped($0))" } ?? "")") }
        print(StatusTable.render(header: ["KIND", "REQUEST", "TENANT", "STATUS", "CREATED", "COMPLETED"], rightAligned: [],
                                 rows: requests.map { [$0.kind, $0.request_id, RejectText.escaped($0.tenant), $0.status, $0.created_at ?? "",
                                                       $0.completed_at ?? ""] }))
    }
}
