import ArgumentParser
import Foundation
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
        let postgres = try await connection.connect()
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
}
