import Foundation
import Postgres
import Testing
import TestSupport

/// The CLI as a new user meets it (issue 19): the README's quick start as written, each role's
/// `status`, errors that say what to do, one exit-code rule, `--json`, and the conventions users
/// expect of a production data tool. Every test runs the built binary.
@Suite("the CLI as a new user meets it")
struct NewUserTests {
    /// A migrated database with the test logins, for `body`.
    static func withMigrated(_ body: (String) async throws -> Void) async throws {
        try await TestDatabase.withFresh { url in
            let migrated = try await SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url])
            #expect(migrated.status == 0, "\(migrated.combined)")
            try await TestDatabase.ensureTestLogins()
            try await body(url)
        }
    }

    static func env(_ url: String, as role: TestRole? = nil) -> [String: String] {
        ["DATABASE_URL": role.map { TestDatabase.url(url, as: $0) } ?? url]
    }

    static func withLogin(_ url: String, _ login: String) throws -> String {
        var components = try #require(URLComponents(string: url))
        components.user = login
        components.password = nil
        return try #require(components.string)
    }

    static func json(_ text: String) throws -> [String: Any] {
        let data = Data(text.utf8)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "not a JSON object: \(text)")
    }

    static func passwordFile(_ password: String = "a password long enough") throws -> URL {
        try TestEvents.writeFile([password], name: "password.txt")
    }

    static func suffix() -> String { String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(8)) }

    // MARK: - README

    /// The shell lines between the quick-start markers of README.md.
    static func quickStart() throws -> String {
        let readme = try String(contentsOf: SluiceCLI.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "<!-- quick-start"), "README.md has no quick-start marker")
        let block = try #require(readme[start.upperBound...].range(of: "```sh\n"))
        let end = try #require(readme[block.upperBound...].range(of: "```"))
        return String(readme[block.upperBound..<end.lowerBound])
    }

    @Test("README's quick start, run line by line as written on a fresh machine's shell, ends loaded, refreshed, with only the lines broken on purpose rejected")
    func quickStartRunsAsWritten() async throws {
        let script = try Self.quickStart()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-quickstart-\(Self.suffix())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let binDirectory = URL(fileURLWithPath: SluiceCLI.binary).deletingLastPathComponent().path
        let clusterDirectory = work.appendingPathComponent(".sluice").path
        // Every line must succeed (set -e), as a user pasting it would expect.
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/bash")
        shell.arguments = ["-euo", "pipefail", "-c", script]
        shell.currentDirectoryURL = work
        var environment = SluiceCLI.cleanEnvironment(adding: ["SLUICE_DB_DIR": clusterDirectory])
        environment["PATH"] = binDirectory + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment.removeValue(forKey: "SLUICE_MEDICAL_KEY")
        shell.environment = environment
        let output = try CapturedOutput(shell)
        let status = try await SluiceCLI.wait(for: shell, limit: .seconds(240))
        let outcome = output.outcome(status: status)
        let url = try await SluiceCLI.run(["db", "url", "--admin", "--dir", clusterDirectory]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        defer {
            _ = try? ProcessHelpers.runBlocking(SluiceCLI.binary, ["db", "stop", "--dir", clusterDirectory])
            try? FileManager.default.removeItem(at: work)
        }
        #expect(outcome.status == 0, "the quick start failed:\n\(outcome.combined)")
        #expect(outcome.stdout.contains("refreshed "), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("migrations: "), "no status: \(outcome.stdout)")
        let database = url.replacingOccurrences(of: "/postgres", with: "/sluice")
        let connection = try await PostgresConnection.connect(database)
        let loaded = try await connection.query("SELECT count(*)::int AS n FROM events")[0].decode("n", as: Int.self)
        let rejected = try await connection.query("SELECT count(*)::int AS n FROM rejected_events")[0].decode("n", as: Int.self)
        let refreshed = try await connection.query("SELECT count(*)::int AS n FROM analytics.refresh_log")[0].decode("n", as: Int.self)
        await connection.close()
        #expect(rejected == 10, "only the 10 lines broken on purpose should be rejected, not \(rejected)")
        #expect(loaded == 9_990, "\(loaded) events loaded")
        #expect(refreshed > 0)
    }

    // MARK: - status for every role

    @Test("status works for every least-privilege login: each sees what it may, the rest is listed as hidden; --json has every section")
    func statusForEveryRole() async throws {
        let lines = (0..<40).map { TestEvents.cartLine(key: "st\($0)") } + [#"{"type":"cart"}"#]
        let input = try TestEvents.writeFile(lines)
        let biLogin = "bi_status_\(Self.suffix())"
        try await Self.withMigrated { url in
            #expect(try await SluiceCLI.run(["load", "--tenant", "acme", input.path], environment: Self.env(url, as: .loader)).status == 0)
            #expect(try await SluiceCLI.run(["refresh"], environment: Self.env(url, as: .refresher)).status == 0)
            let granted = try await SluiceCLI.run(["bi", "grant", "--tenant", "acme", "--login", biLogin, "--password-file", try Self.passwordFile().path],
                                                  environment: Self.env(url))
            #expect(granted.status == 0, "\(granted.combined)")
            let sessions: [(String, [String: String], [String], [String])] = [
                // who, environment, sections shown, sections hidden
                ("loader", Self.env(url, as: .loader), ["loads", "rejects", "consumers", "partitions"], ["analytics"]),
                ("refresher", Self.env(url, as: .refresher), ["analytics", "partitions"], ["loads", "rejects", "consumers"]),
                // (compliance staff read batch_operations: retention prunes it, migration 0025)
                ("compliance", Self.env(url, as: .compliance), ["rejects", "partitions", "loads"], ["analytics", "consumers"]),
                ("BI", ["DATABASE_URL": try Self.withLogin(url, biLogin)], ["analytics"], ["partitions", "loads", "rejects", "consumers"]),
            ]
            for (who, environment, shown, hidden) in sessions {
                let text = try await SluiceCLI.run(["status"], environment: environment)
                #expect(text.status == 0, "\(who): \(text.combined)")
                #expect(!text.combined.contains("permission denied for table sluice_schema_migrations"), "\(who): \(text.combined)")
                #expect(text.stdout.contains("migrations: "), "\(who): \(text.stdout)")
                let json = try await SluiceCLI.run(["status", "--json"], environment: environment)
                #expect(json.status == 0, "\(who): \(json.combined)")
                let object = try Self.json(json.stdout)
                #expect((object["migrations"] as? [String: Any])?["state"] as? String == "current", "\(who): \(json.stdout)")
                let hiddenSections = Set(((object["hidden"] as? [[String: Any]]) ?? []).compactMap { $0["section"] as? String })
                for section in shown {
                    #expect(!(object[section] is NSNull) && object[section] != nil, "\(who) should see \(section): \(json.stdout)")
                }
                for section in hidden {
                    #expect(object[section] is NSNull, "\(who) should not see \(section): \(json.stdout)")
                    #expect(hiddenSections.contains(section), "\(who): \(section) is not listed as hidden: \(json.stdout)")
                }
            }
            // What each sees is true: the loader counts the one waiting reject, the BI login its tenant's analytics.
            let loader = try Self.json(try await SluiceCLI.run(["status", "--json"], environment: Self.env(url, as: .loader)).stdout)
            #expect((loader["rejects"] as? [String: Any])?["waiting"] as? Int == 1)
            let compliance = try Self.json(try await SluiceCLI.run(["status", "--json", "--tenant", "acme"], environment: Self.env(url, as: .compliance)).stdout)
            #expect((compliance["rejects"] as? [String: Any])?["waiting"] as? Int == 1, "compliance staff naming the tenant see its reject")
            // A login in none of the roles is told so, not shown a permission error; exit 1.
            let plain = "plain_\(Self.suffix())"
            let admin = try await PostgresConnection.connect(url)
            try await admin.execute(unsafeSQL: "CREATE ROLE \(plain) LOGIN")
            let nobody = try await SluiceCLI.run(["status"], environment: ["DATABASE_URL": try Self.withLogin(url, plain)])
            try await admin.execute(unsafeSQL: "DROP ROLE \(plain)")
            await admin.close()
            #expect(nobody.status == 1)
            #expect(nobody.stderr.contains("none of Sluice's roles"), "\(nobody.combined)")
            #expect(try await SluiceCLI.run(["bi", "revoke", "--login", biLogin], environment: Self.env(url)).status == 0)
        }
    }

    // MARK: - errors that say what to do

    @Test("before migrate: status exits 1, and partitions, bi and json say to run sluice migrate instead of a missing relation")
    func unmigratedDatabase() async throws {
        try await TestDatabase.withFresh { url in
            let env = ["DATABASE_URL": url]
            let status = try await SluiceCLI.run(["status"], environment: env)
            #expect(status.status == 1, "\(status.combined)")
            #expect(status.stdout.contains("run `sluice migrate`"))
            for arguments in [["partitions", "list"], ["partitions", "ensure"], ["bi", "list"]] {
                let outcome = try await SluiceCLI.run(arguments, environment: env)
                #expect(outcome.status == 1, "\(arguments): \(outcome.combined)")
                #expect(outcome.stderr.contains("is not migrated: run `sluice migrate`"), "\(arguments): \(outcome.stderr)")
                #expect(!outcome.stderr.contains("does not exist"), "\(arguments): \(outcome.stderr)")
            }
            let json = try await SluiceCLI.run(["partitions", "list", "--json"], environment: env)
            #expect(json.status == 1)
            #expect((try Self.json(json.stdout)["error"] as? String)?.contains("sluice migrate") == true, "\(json.stdout)")
        }
    }

    @Test("the wrong login: migrate, bi grant and partitions ensure say which role they need")
    func wrongRole() async throws {
        try await Self.withMigrated { url in
            let loader = Self.env(url, as: .loader)
            let migrate = try await SluiceCLI.run(["migrate"], environment: loader)
            #expect(migrate.status == 1)
            #expect(migrate.stderr.contains("must run as the warehouse's owner"), "\(migrate.stderr)")
            let grant = try await SluiceCLI.run(["bi", "grant", "--tenant", "acme", "--login", "bi_\(Self.suffix())",
                                                 "--password-file", try Self.passwordFile().path], environment: loader)
            #expect(grant.status == 1)
            #expect(grant.stderr.contains("CREATEROLE"), "\(grant.stderr)")
            let ensure = try await SluiceCLI.run(["partitions", "ensure"], environment: Self.env(url, as: .refresher))
            #expect(ensure.status == 1)
            #expect(ensure.stderr.contains("needs a member of sluice_loader"), "\(ensure.stderr)")
        }
    }

    @Test("bi grant: a missing password file is named plainly, short passwords are explained, the login reads analytics by name, and moving it needs --move")
    func biGrant() async throws {
        let login = "bi_grant_\(Self.suffix())"
        let input = try TestEvents.writeFile((0..<5).map { TestEvents.cartLine(key: "b\($0)") })
        try await Self.withMigrated { url in
            let env = Self.env(url)
            let missing = try await SluiceCLI.run(["bi", "grant", "--tenant", "acme", "--login", login, "--password-file", "/nonexistent/pw"], environment: env)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("cannot read the password file /nonexistent/pw: no such file"), "\(missing.stderr)")
            #expect(!missing.combined.contains("NSCocoaErrorDomain") && !missing.combined.contains("Error Domain"))
            let short = try await SluiceCLI.run(["bi", "grant", "--tenant", "acme", "--login", login, "--password-file", try Self.passwordFile("short").path], environment: env)
            #expect(short.status == 1)
            #expect(short.stderr.contains("at least 12 characters"), "\(short.stderr)")
            let help = try await SluiceCLI.run(["bi", "grant", "--help"])
            #expect(help.stdout.contains("at least 12"), "the rule is documented: \(help.stdout)")

            // A tenant with nothing yet: granted, with a warning.
            let empty = try await SluiceCLI.run(["bi", "grant", "--tenant", "acme", "--login", login, "--password-file", try Self.passwordFile().path], environment: env)
            #expect(empty.status == 0, "\(empty.combined)")
            #expect(empty.stderr.contains("has no events and no analytics rows yet"), "\(empty.stderr)")
            #expect(try await SluiceCLI.run(["load", "--tenant", "acme", input.path], environment: Self.env(url, as: .loader)).status == 0)
            #expect(try await SluiceCLI.run(["refresh"], environment: Self.env(url, as: .refresher)).status == 0)
            let bi = try await PostgresConnection.connect(try Self.withLogin(url, login))
            #expect(try await bi.query("SHOW search_path")[0].decode("search_path", as: String.self) == "analytics")
            #expect(try await bi.query("SELECT count(*)::int AS n FROM kpi_daily")[0].decode("n", as: Int.self) > 0)
            await bi.close()

            let moved = try await SluiceCLI.run(["bi", "grant", "--tenant", "other", "--login", login, "--password-file", try Self.passwordFile().path], environment: env)
            #expect(moved.status == 1, "\(moved.combined)")
            #expect(moved.stderr.contains("--move"), "\(moved.stderr)")
            let listed = try Self.json(try await SluiceCLI.run(["bi", "list", "--json"], environment: env).stdout)
            let logins = try #require(listed["logins"] as? [[String: Any]])
            #expect(logins.first { $0["login"] as? String == login }?["tenant"] as? String == "acme", "still bound to acme: \(logins)")
            let move = try await SluiceCLI.run(["bi", "grant", "--tenant", "other", "--login", login, "--move", "--password-file", try Self.passwordFile().path], environment: env)
            #expect(move.status == 0, "\(move.combined)")
            #expect(try await SluiceCLI.run(["bi", "revoke", "--login", login], environment: env).status == 0)
        }
    }

    @Test("a misspelt connection parameter is named with the one it meant, and no endpoint the user never gave")
    func misspeltConnectionParameter() async throws {
        let outcome = try await SluiceCLI.run(["status", "--database-url", "postgres://ops@127.0.0.1:5999/warehouse?sslmod=disable"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("\"sslmod\""), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("did you mean sslmode?"), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("localhost:5432"), "\(outcome.stderr)")
        let settings = try await SluiceCLI.run(["status", "--database-url", "host=127.0.0.1 port=5999 applicaton_name=x"])
        #expect(settings.stderr.contains("did you mean application_name?"), "\(settings.stderr)")
    }

    @Test("migrate says which directory it uses, and an explicit --schema-dir that does not exist is an error")
    func migrateSchemaDirectory() async throws {
        try await TestDatabase.withFresh { url in
            let missing = try await SluiceCLI.run(["migrate", "--schema-dir", "/nonexistent/sluice"], environment: ["DATABASE_URL": url])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("/nonexistent/sluice holds no migrations/ directory"), "\(missing.combined)")
            #expect(!missing.stdout.contains("nothing to do"))
            let migrated = try await SluiceCLI.run(["migrate", "--schema-dir", SluiceCLI.repositoryRoot.path], environment: ["DATABASE_URL": url])
            #expect(migrated.status == 0)
            #expect(migrated.stdout.contains("using \(SluiceCLI.repositoryRoot.path)/migrations"), "\(migrated.stdout)")
        }
    }

    @Test("usage errors show the subcommand's usage, help texts carry no stray backslashes, and a missing input is a usage error for load and validate alike")
    func usageAndHelp() async throws {
        let generate = try await SluiceCLI.run(["generate", "--invalid-every", "0"])
        #expect(generate.status == 2)
        #expect(generate.stderr.contains("Usage: sluice generate"), "\(generate.stderr)")
        for path in [["bi"], ["bi", "grant"], ["status"], ["load"], ["validate"], ["partitions", "list"]] {
            let help = try await SluiceCLI.run(path + ["--help"])
            let stray = help.stdout.split(separator: "\n").filter { $0.hasSuffix("\\") && !$0.contains("sluice ") }
            #expect(stray.isEmpty, "\(path): \(stray)")
        }
        let load = try await SluiceCLI.run(["load", "/nonexistent/events.ndjson"], environment: ["DATABASE_URL": "postgres://nobody@127.0.0.1:1/x"])
        let validate = try await SluiceCLI.run(["validate", "/nonexistent/events.ndjson"])
        #expect(load.status == 2, "\(load.combined)")
        #expect(validate.status == 2, "\(validate.combined)")
        #expect(load.stderr.contains("/nonexistent/events.ndjson") && validate.stderr.contains("/nonexistent/events.ndjson"))
    }

    @Test("--tenant '*' and tenants with control characters are refused by every command that takes one")
    func tenantNames() async throws {
        let commands: [[String]] = [
            ["load", "-"], ["validate", "-"], ["generate", "--count", "1"], ["status"],
            ["bi", "grant", "--login", "bi_x", "--password-file", "/dev/null"],
            ["consume", "redis", "--url", "redis://127.0.0.1:1", "--stream", "s", "--group", "g"],
            ["consume", "kafka", "--brokers", "127.0.0.1:1", "--topic", "t", "--group", "g"],
        ]
        for command in commands {
            for bad in ["*", "acme\u{1B}[2J", "a\nb"] {
                let outcome = try await SluiceCLI.run(command + ["--tenant", bad], environment: ["DATABASE_URL": "postgres://nobody@127.0.0.1:1/x"])
                #expect(outcome.status == 2, "\(command) --tenant \(bad.debugDescription): \(outcome.combined)")
                #expect(outcome.stderr.contains("--tenant"), "\(command): \(outcome.stderr)")
            }
        }
    }

    @Test("validate takes each event's own tenant without --tenant, and checks it with --tenant, as load does")
    func validateTenant() async throws {
        let lines = (0..<3).map { TestEvents.cartLine(key: "v\($0)").replacingOccurrences(of: #""idempotency_key""#, with: #""tenant_id":"acme","idempotency_key""#) }
        let input = try TestEvents.writeFile(lines)
        let own = try await SluiceCLI.run(["validate", input.path])
        #expect(own.status == 0, "\(own.combined)")
        let acme = try await SluiceCLI.run(["validate", "--tenant", "acme", input.path])
        #expect(acme.status == 0, "\(acme.combined)")
        let other = try await SluiceCLI.run(["validate", "--tenant", "globex", input.path])
        #expect(other.status == 1)
        #expect(other.stdout.contains(#"differs from the tenant of the source \"globex\""#), "\(other.stdout)")
    }

    @Test("a directory load with --glob reads only matching files; the others are skipped with a note, never dead-lettered")
    func directoryGlob() async throws {
        let input = try TestEvents.writeFile((0..<20).map { TestEvents.cartLine(key: "g\($0)") }, name: "events.ndjson")
        let directory = input.deletingLastPathComponent()
        try Data("Exported by the shop. Do not edit.\n".utf8).write(to: directory.appendingPathComponent("README.txt"))
        try await Self.withMigrated { url in
            let outcome = try await SluiceCLI.run(["load", "--json", "--glob", "*.ndjson", directory.path], environment: Self.env(url, as: .loader))
            #expect(outcome.status == 0, "\(outcome.combined)")
            let summary = try Self.json(outcome.stdout)
            #expect(summary["loaded"] as? Int == 20)
            #expect(summary["rejected"] as? Int == 0, "\(outcome.stdout)")
            let skipped = try #require(summary["skipped"] as? [[String: Any]])
            #expect(skipped.contains { ($0["input"] as? String)?.hasSuffix("README.txt") == true }, "\(outcome.stdout)")
        }
    }

    @Test("without SLUICE_MEDICAL_KEY a medical event's reason names the variable and what to do")
    func medicalKeyReason() async throws {
        let generated = try await SluiceCLI.run(["generate", "--tenant", "acme", "--count", "400"])
        let input = try TestEvents.writeFile(generated.stdout.split(separator: "\n").map(String.init))
        try await Self.withMigrated { url in
            var environment = Self.env(url, as: .loader)
            environment["SLUICE_MEDICAL_KEY"] = ""
            let load = try await SluiceCLI.run(["load", "--tenant", "acme", input.path], environment: environment)
            #expect(load.status == 0, "\(load.combined)")
            let summaryLine = load.stdout.split(separator: "\n").first { $0.contains("medical event") }
            #expect(summaryLine?.contains("rejected: set SLUICE_MEDICAL_KEY") == true, "the summary says what to do: \(load.stdout)")
            let admin = try await PostgresConnection.connect(url)
            let reasons = try await admin.query("SELECT DISTINCT errors->0->>'message' AS message FROM rejected_events").map { try $0.decode("message", as: String.self) }
            await admin.close()
            #expect(!reasons.isEmpty, "400 generated pocm events should include medical ones")
            for reason in reasons {
                #expect(reason.contains("set SLUICE_MEDICAL_KEY") && reason.contains("sluice rejects replay"), "\(reason)")
            }
        }
    }
}
