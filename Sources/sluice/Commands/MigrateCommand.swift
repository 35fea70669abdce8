import ArgumentParser
import Foundation
import Postgres
import Warehouse

/// `sluice migrate`.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade the schema: apply migrations/, then sql/.",
        discussion: """
            migrations/NNNN_description.sql files are applied once each, in order, each in its own \
            transaction, and recorded with their checksum in sluice_schema_migrations. A file edited \
            after it was applied is refused by name: put changes in a new migration. A file whose first \
            lines hold `-- sluice:no-transaction` runs outside a transaction.

            sql/*.sql files (views, functions: one object each) are re-applied whenever they change.

            Idempotent and safe to run concurrently: an advisory lock makes a second run wait, and it \
            then finds nothing to do.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("Directory holding migrations/ and sql/ (default: SLUICE_HOME, the working directory, or next to the executable).", valueName: "path"))
    var schemaDir: String?

    func run() async throws {
        let files = try SchemaFiles.locate(explicitRoot: schemaDir)
        print("migrate: using \(files.root.path)/migrations and sql")
        let postgres = try await connection.connect()
        do {
            try await Self.requireOwner(postgres)
        } catch {
            await postgres.close()
            throw error
        }
        let report = try await Migrator(files: files).run(on: postgres) { line in
            print("migrate: \(line)")
        }
        if report.nothingToDo {
            print("migrate: nothing to do (\(counted(report.alreadyApplied, "migration")) already applied) on \(await postgres.endpoint)")
        } else {
            print("migrate: applied \(counted(report.applied.count, "migration")) and \(counted(report.repeatablesApplied.count, "sql/ file")) on \(await postgres.endpoint)")
        }
        await postgres.close()
    }

    /// Migrations alter tables the owner owns: only the owner (a member of it) or a superuser may
    /// run them; on a fresh database, anyone who may create schemas and tables.
    static func requireOwner(_ postgres: PostgresConnection) async throws {
        let row = try await postgres.query("""
            SELECT session_user::text AS login,
                   (SELECT r.rolsuper FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user) AS superuser,
                   (SELECT pg_catalog.pg_get_userbyid(c.relowner)::text FROM pg_catalog.pg_class AS c
                    WHERE c.oid = to_regclass('public.sluice_schema_migrations')) AS owner,
                   (SELECT pg_has_role(current_user, c.relowner, 'MEMBER') FROM pg_catalog.pg_class AS c
                    WHERE c.oid = to_regclass('public.sluice_schema_migrations')) AS owns,
                   has_database_privilege(current_database(), 'CREATE') AND has_schema_privilege('public', 'CREATE') AS may_create
            """)[0]
        let login = try row.decode("login", as: String.self)
        if try row.decode("superuser", as: Bool.self) { return }
        if let owner = try row.decode("owner", as: String?.self) {
            guard try row.decode("owns", as: Bool?.self) == true else {
                throw CLIError("`sluice migrate` must run as the warehouse's owner (\(owner), who ran the first migrate) or a superuser; \(login) is neither (members of sluice_loader load, of sluice_refresher refresh: neither migrates)")
            }
            return
        }
        guard try row.decode("may_create", as: Bool.self) else {
            throw CLIError("`sluice migrate` creates the warehouse's schemas and tables: \(login) may not create them in this database (it needs CREATE on the database and on schema public: run it as the database's owner or a superuser)")
        }
    }
}
