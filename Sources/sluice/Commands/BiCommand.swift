import ArgumentParser
import Compliance
import Foundation
import Postgres
import Warehouse

/// `sluice bi grant|revoke|list`.
struct BiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bi",
        abstract: "Per-tenant, read-only logins for BI tools (Metabase, Superset, psql).",
        discussion: """
            A BI login is a PostgreSQL LOGIN role in sluice_bi, bound to one tenant: row-level \
            security shows it that tenant's rows of the analytics schema and nothing else — not \
            events, not the dead letter, not the key ledger, API keys or the audit log. Its \
            transactions are read-only, its statements time out, its connections are limited, and \
            its search_path is analytics (in psql: `SELECT * FROM kpi_daily`, `\\dt`). A login \
            without a binding sees no rows; setting sluice.tenant in its session changes nothing.

            Run these as a role that may create roles (CREATEROLE, or the superuser): the \
            warehouse's owner. Login names are cluster-wide. The password (at least 12 characters) \
            comes from --password-file or a prompt, never an argument; only its SCRAM verifier is \
            sent to the server.

            Examples:
              sluice bi grant --tenant acme --login acme_bi --password-file pw.txt
              sluice bi grant --tenant acme_eu --login acme_bi --move
              sluice bi list
              sluice bi revoke --login acme_bi
              psql postgres://acme_bi@db/warehouse -c 'TABLE kpi_daily LIMIT 5'
            """,
        subcommands: [Grant.self, Revoke.self, List.self]
    )

    /// The shortest password `grant` accepts.
    static let minimumPasswordLength = 12

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create (or update) a BI login bound to one tenant.",
            discussion: """
                Updating an existing login sets its password and limits again. A login bound to \
                another tenant is moved only with --move. Granting a tenant that has no events or \
                analytics rows yet works, with a warning (a typo in --tenant is the usual cause).
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The tenant whose analytics rows the login may read.") var tenant: String
        @Option(help: "The login name: lower-case letters, digits and _ (at most 63), not starting with pg_ or sluice_.") var login: String
        @Option(name: .customLong("password-file"), help: ArgumentHelp("File holding the password, at least \(BiCommand.minimumPasswordLength) characters (- for stdin); without it, a prompt.", valueName: "path"))
        var passwordFile: String?
        @Option(name: .customLong("connection-limit"), help: "Most connections at once.") var connectionLimit = 5
        @Option(name: .customLong("statement-timeout"), help: "Longest a statement may run (a PostgreSQL duration).") var statementTimeout = "60s"
        @Flag(help: "Move a login already bound to another tenant to this one.") var move = false
        @Option(help: ArgumentHelp("Who is acting, for the audit trail (default: the operating-system user).", valueName: "name"))
        var actor: String?

        func validate() throws {
            guard login.range(of: #"^[a-z_][a-z0-9_]{0,62}$"#, options: .regularExpression) != nil,
                  !login.hasPrefix("pg_"), !login.hasPrefix("sluice_") else {
                throw ValidationError("--login must be lower-case letters, digits and _ (at most 63), not starting with pg_ or sluice_")
            }
            try TenantName.check(tenant)
            guard (1...1000).contains(connectionLimit) else { throw ValidationError("--connection-limit must be between 1 and 1000") }
        }

        func run() async throws {
            let password = try PasswordInput.read(file: passwordFile, confirm: true)
            guard password.count >= BiCommand.minimumPasswordLength else {
                throw CLIError("the password must be at least \(BiCommand.minimumPasswordLength) characters (it has \(password.count))")
            }
            let connectionString = connection.resolvedConnectionString()
            try await Preflight.check(connectionString, need: .roleAdmin(command: "bi grant"))
            let postgres = try await PostgresConnection.connect(connectionString)
            var limits = BILogins.Limits()
            limits.connectionLimit = connectionLimit
            limits.statementTimeout = statementTimeout
            let logins = BILogins(connection: postgres)
            let created: Bool
            do {
                var entry = AuditEntry(tenant: tenant, action: "bi.grant", resource: login, actor: ActorName.resolve(actor), classification: "behavioural")
                entry.rowCounts = ["tenant_logins": 1]
                entry.details = ["connection_limit": String(connectionLimit), "statement_timeout": statementTimeout, "move": String(move)]
                let audited = entry
                created = try await logins.grant(login: login, tenant: tenant, password: password, limits: limits, move: move) { connection, created in
                    var entry = audited
                    entry.details["created"] = String(created)
                    try AuditLog.append(entry, on: connection)
                }
            } catch let error as PostgresError where error.sqlState == "55000" {
                await postgres.close()
                throw CLIError("\(error.message); \(error.hint ?? "grant again with --move to move it")")
            }
            let hasData = (try? await logins.tenantHasData(tenant)) ?? true
            await postgres.close()
            if !hasData {
                FileHandle.standardError.write(Data("warning: tenant \(RejectText.escaped(tenant)) has no events and no analytics rows yet: \(login) will see nothing until it does (check the spelling of --tenant)\n".utf8))
            }
            print("\(created ? "created" : "updated") BI login \(login) for tenant \(RejectText.escaped(tenant)): read-only, search_path analytics, statement_timeout \(statementTimeout), at most \(counted(connectionLimit, "connection"))")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a BI login: unbind it, end its sessions, drop the role.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The login to remove.") var login: String
        @Option(help: ArgumentHelp("Who is acting, for the audit trail (default: the operating-system user).", valueName: "name"))
        var actor: String?

        func run() async throws {
            let connectionString = connection.resolvedConnectionString()
            try await Preflight.check(connectionString, need: .roleAdmin(command: "bi revoke"))
            let postgres = try await PostgresConnection.connect(connectionString)
            let entry = AuditEntry(tenant: "", action: "bi.revoke", resource: login, actor: ActorName.resolve(actor), classification: "behavioural")
            let revoked: Bool
            do {
                revoked = try await BILogins(connection: postgres).revoke(login: login) { connection, tenant in
                    var entry = entry
                    entry.tenant = tenant
                    entry.rowCounts = ["tenant_logins": 1]
                    try AuditLog.append(entry, on: connection)
                }
            } catch {
                await postgres.close()
                throw error
            }
            await postgres.close()
            guard revoked else {
                FileHandle.standardError.write(Data("sluice bi: \(login) is not a BI login of this database (see sluice bi list)\n".utf8))
                throw ExitCode(1)
            }
            print("revoked BI login \(login)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the BI logins of this database and their tenants.",
            discussion: "--json prints {\"logins\": [{login, tenant, connection_limit, created_at, role_exists}]}, or {\"error\": …} on failure."
        )
        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Print one JSON object.") var json = false

        struct Listing: Encodable {
            struct Login: Encodable {
                var login: String
                var tenant: String
                var connection_limit: Int
                var created_at: String
                var role_exists: Bool
            }
            var logins: [Login]
        }

        func run() async throws {
            let logins: [BILogins.Login]
            do {
                let connectionString = connection.resolvedConnectionString()
                try await Preflight.check(connectionString, need: .owner(command: "bi list"))
                let postgres = try await PostgresConnection.connect(connectionString)
                logins = try await BILogins(connection: postgres).list()
                await postgres.close()
            } catch {
                throw JSONOutput.fail(error, json: json)
            }
            if json {
                JSONOutput.print(Listing(logins: logins.map {
                    .init(login: $0.login, tenant: $0.tenant, connection_limit: $0.connectionLimit,
                          created_at: String($0.createdAt.description.prefix(19)), role_exists: $0.roleExists)
                }))
                return
            }
            guard !logins.isEmpty else {
                print("no BI logins (create one with sluice bi grant)")
                return
            }
            print(StatusTable.render(header: ["LOGIN", "TENANT", "CONNECTIONS", "CREATED (UTC)", "ROLE"], rightAligned: [2], rows: logins.map {
                [$0.login, RejectText.escaped($0.tenant), String($0.connectionLimit), String($0.createdAt.description.prefix(19)),
                 $0.roleExists ? "ok" : "missing (revoke and grant again)"]
            }))
        }
    }
}

/// A password from a file, stdin, or a prompt on the terminal with echo off; never an argument.
enum PasswordInput {
    static func read(file: String?, confirm: Bool) throws -> String {
        if let file {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                // Foundation's errors name NSCocoaErrorDomain codes; say what the system said.
                guard let handle = FileHandle(forReadingAtPath: file) else {
                    let reason = access(file, F_OK) == 0 ? "permission denied" : "no such file"
                    throw CLIError("cannot read the password file \(file): \(reason)")
                }
                defer { try? handle.close() }
                guard let read = try? handle.readToEnd() else { throw CLIError("cannot read the password file \(file)") }
                data = read
            }
            guard var text = String(data: data, encoding: .utf8) else { throw CLIError("the password file is not UTF-8 text") }
            if text.hasSuffix("\n") { text.removeLast() }
            if text.hasSuffix("\r") { text.removeLast() }
            return text
        }
        let first = try prompt("password: ")
        if confirm, try prompt("again: ") != first { throw CLIError("the passwords differ") }
        return first
    }

    private static func prompt(_ message: String) throws -> String {
        let tty = open("/dev/tty", O_RDWR)
        guard tty >= 0 else { throw CLIError("no terminal to ask for the password: use --password-file FILE (or - for stdin)") }
        defer { close(tty) }
        _ = message.withCString { write(tty, $0, strlen($0)) }
        var saved = termios()
        tcgetattr(tty, &saved)
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(tty, TCSAFLUSH, &silent)
        defer {
            tcsetattr(tty, TCSAFLUSH, &saved)
            _ = "\n".withCString { write(tty, $0, 1) }
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while Glibc.read(tty, &byte, 1) == 1, byte != UInt8(ascii: "\n") { bytes.append(byte) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A command's failure, worded for the user (printed as `Error: …`, exit 1, without usage text).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
