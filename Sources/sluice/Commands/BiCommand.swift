import ArgumentParser
import Foundation
import Postgres
import Warehouse

/// `sluice bi grant|revoke|list`.
struct BiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bi",
        abstract: "Per-tenant, read-only logins for BI tools (Metabase, Superset, psql).",
        discussion: """
            A BI login is a PostgreSQL LOGIN role in sluice_bi, bound to one tenant: row-level \\
            security shows it that tenant's rows of the analytics schema and nothing else — not \\
            events, not the dead letter, not the key ledger, API keys or the audit log. Its \\
            transactions are read-only, its statements time out, its connections are limited. A \\
            login without a binding sees no rows; setting sluice.tenant in its session changes \\
            nothing.

            Run these as a role that may create roles (CREATEROLE, or the superuser). Login names are \\
            cluster-wide. The password comes from --password-file or a prompt, never an argument; \\
            only its SCRAM verifier is sent to the server.

            Examples:
              sluice bi grant --tenant acme --login acme_metabase --password-file secret.txt
              sluice bi list
              sluice bi revoke --login acme_metabase
            """,
        subcommands: [Grant.self, Revoke.self, List.self]
    )

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create (or update) a BI login bound to one tenant.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The tenant whose analytics rows the login may read.") var tenant: String
        @Option(help: "The login name: lower-case letters, digits and _.") var login: String
        @Option(name: .customLong("password-file"), help: ArgumentHelp("File holding the password (- for stdin); without it, a prompt.", valueName: "path"))
        var passwordFile: String?
        @Option(name: .customLong("connection-limit"), help: "Most connections at once.") var connectionLimit = 5
        @Option(name: .customLong("statement-timeout"), help: "Longest a statement may run (a PostgreSQL duration).") var statementTimeout = "60s"

        func validate() throws {
            guard login.range(of: #"^[a-z_][a-z0-9_]{0,62}$"#, options: .regularExpression) != nil,
                  !login.hasPrefix("pg_"), !login.hasPrefix("sluice_") else {
                throw ValidationError("--login must be lower-case letters, digits and _ (at most 63), not starting with pg_ or sluice_")
            }
            guard !tenant.isEmpty, tenant.utf8.count <= 64 else { throw ValidationError("--tenant must be 1 to 64 characters") }
            guard (1...1000).contains(connectionLimit) else { throw ValidationError("--connection-limit must be between 1 and 1000") }
        }

        func run() async throws {
            let password = try PasswordInput.read(file: passwordFile, confirm: true)
            guard password.count >= 12 else {
                throw CLIError("the password must be at least 12 characters")
            }
            let postgres = try await connection.connect()
            var limits = BILogins.Limits()
            limits.connectionLimit = connectionLimit
            limits.statementTimeout = statementTimeout
            let created = try await BILogins(connection: postgres).grant(login: login, tenant: tenant, password: password, limits: limits)
            await postgres.close()
            print("\(created ? "created" : "updated") BI login \(login) for tenant \(tenant): read-only, statement_timeout \(statementTimeout), at most \(counted(connectionLimit, "connection"))")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a BI login: unbind it, end its sessions, drop the role.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The login to remove.") var login: String

        func run() async throws {
            let postgres = try await connection.connect()
            let revoked = try await BILogins(connection: postgres).revoke(login: login)
            await postgres.close()
            guard revoked else {
                FileHandle.standardError.write(Data("sluice bi: \(login) is not a BI login of this database (see sluice bi list)\n".utf8))
                throw ExitCode(1)
            }
            print("revoked BI login \(login)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the BI logins of this database and their tenants.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let postgres = try await connection.connect()
            let logins = try await BILogins(connection: postgres).list()
            await postgres.close()
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
            let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
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
