import Compliance
import EventContracts
import Foundation
import Postgres
import Testing
import TestSupport

/// `sluice retention apply` and legal holds, through the Swift API, on synthetic old months
/// written as the owner (the loader refuses events older than the longest policy).
@Suite("retention with legal holds", .serialized)
struct RetentionTests {
    /// Years ago, as a timestamp in the middle of that month.
    static func yearsAgo(_ years: Int, day: Int = 10) -> String {
        var components = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date())
        components.year = (components.year ?? 2026) - years
        components.day = day
        components.hour = 12
        let date = Calendar(identifier: .gregorian).date(from: DateComponents(timeZone: TimeZone(identifier: "UTC"), year: components.year,
                                                                                  month: components.month, day: day, hour: 12))!
        return PostgresTimestamp(date).description
    }

    static func partition(_ at: String) -> String {
        "events_" + at.prefix(7).replacingOccurrences(of: "-", with: "_")
    }

    /// Old events written by hand as the owner, one month per case:
    /// - 12 years ago: every row expired (behavioural and medical), two tenants → dropped;
    /// - 5 years ago: behavioural expired, one medical row young → 3 deleted, the month stays;
    /// - 4 years ago: alice (held) and dave → dave's 2 deleted;
    /// - 11 years ago, +1 month: frank's purchases, all expired, but a hold on `transactional` → kept whole.
    /// Plus today's events, and old bookkeeping rows.
    static func seed(_ url: String) async throws -> (old: String, mixed: String, held: String, category: String) {
        let old = yearsAgo(12), mixed = yearsAgo(5), held = yearsAgo(4), category = yearsAgo(11, day: 20)
        let admin = try await PostgresConnection.connect(url)
        var statements = ["BEGIN"]
        for at in [old, mixed, held, category, PostgresTimestamp.now().description] {
            statements.append("SELECT public.sluice_ensure_event_partition('\(at)')")
        }
        func event(_ tenant: String, _ contract: String, _ type: String, _ user: String, _ at: String, _ n: Int) -> [String] {
            (0..<n).map { index in
                """
                SELECT set_config('sluice.tenant', '\(tenant)', true);
                INSERT INTO events (type, occurred_at, user_id, tenant_id, data_json, contract, idempotency_key)
                VALUES ('\(type)', '\(at)'::timestamptz + interval '\(index) hours', '\(user)', '\(tenant)', '{}', '\(contract)', '\(user)-\(type)-\(at)-\(index)')
                """
            }
        }
        statements += event("acme", "recs", "view", "bob", old, 3) + event("acme", "pocm", "device_activation", "carol", old, 2)
            + event("globex", "recs", "view", "gus", old, 1)
            + event("acme", "recs", "view", "bob", mixed, 3) + event("acme", "pocm", "sensor_reading", "carol", mixed, 1)
            + event("acme", "recs", "view", "alice", held, 2) + event("acme", "recs", "view", "dave", held, 2)
            + event("acme", "recs", "purchase", "frank", category, 2)
            + event("acme", "recs", "view", "bob", PostgresTimestamp.now().description, 2)
        statements += [
            "SELECT set_config('sluice.tenant', 'acme', true)",
            "INSERT INTO legal_holds (tenant_id, user_id, reason, created_by) VALUES ('acme', 'alice', 'litigation 2026-17', 'counsel')",
            "INSERT INTO legal_holds (tenant_id, category, reason, created_by) VALUES ('acme', 'transactional', 'tax audit', 'counsel')",
            // Ledger keys: one past every window, one inside.
            "INSERT INTO event_idempotency_keys (tenant_id, contract, idempotency_key, occurred_at) VALUES ('acme', 'recs', 'k-old', '\(old)'), ('acme', 'recs', 'k-young', '\(mixed)')",
            // Dead letters: two old (one names alice, held), one new.
            """
            INSERT INTO rejected_events (tenant_id, source, batch_id, line_number, byte_offset, contract, raw, errors, received_at) VALUES
              ('acme', 's', 'b', 1, 0, 'recs', convert_to('{"userId":"bob"}', 'UTF8'), '[]', now() - interval '40 days'),
              ('acme', 's', 'b', 2, 100, 'recs', convert_to('{"userId":"alice"}', 'UTF8'), '[]', now() - interval '40 days'),
              ('acme', 's', 'b', 3, 200, 'recs', convert_to('{"userId":"bob"}', 'UTF8'), '[]', now() - interval '2 days')
            """,
            "INSERT INTO batch_operations (batch_id, status, tenant_id, created_at) VALUES ('old', 'completed', 'acme', now() - interval '200 days'), ('new', 'completed', 'acme', now())",
            "COMMIT",
        ]
        try await admin.execute(unsafeSQL: statements.joined(separator: ";\n"))
        await admin.close()
        return (old, mixed, held, category)
    }

    static func count(_ url: String, _ sql: String) async throws -> Int {
        let admin = try await PostgresConnection.connect(url)
        let n = try await admin.query(PostgresQuery(unsafeSQL: sql))[0].decode("n", as: Int.self)
        await admin.close()
        return n
    }

    static func exists(_ url: String, _ partition: String) async throws -> Bool {
        try await count(url, "SELECT count(*)::int AS n FROM pg_class WHERE relname = '\(partition)'") == 1
    }

    @Test("the dry run plans exactly what the real run does; expired, unheld rows go; held users, held categories and young rows stay; every action audited")
    func dryRunEqualsRealRun() async throws {
        try await TestDatabase.withMigrated { url in
            let months = try await Self.seed(url)
            let retention = Retention(connectionString: url)
            var options = Retention.Options(actor: "retention test")
            options.dryRun = true
            options.batchSize = 2
            let dry = try await retention.run(options)
            options.dryRun = false
            let real = try await retention.run(options)

            #expect(dry.status == "dry-run" && real.status == "applied")
            #expect(dry.counts == real.counts, "dry \(dry.counts) real \(real.counts)")
            #expect(dry.partitions.map { [$0.partition, $0.action, String($0.deleted)] } == real.partitions.map { [$0.partition, $0.action, String($0.deleted)] })
            #expect(real.counts["events", default: -1] == Int64(6 + 3 + 2), "\(real.counts)")
            #expect(real.counts["partitions_dropped"] == 1)
            #expect(real.counts["event_idempotency_keys"] == 1)
            #expect(real.counts["rejected_events"] == 1, "alice's dead letter is held")
            #expect(real.counts["batch_operations"] == 1)

            #expect(try await !Self.exists(url, Self.partition(months.old)), "the month past every TTL was not dropped")
            #expect(try await Self.exists(url, Self.partition(months.mixed)), "a month with a young medical row was dropped")
            #expect(try await Self.exists(url, Self.partition(months.category)), "a month under a category hold was dropped")
            let left = try await Self.count(url, "SELECT count(*)::int AS n FROM events")
            #expect(left == 1 + 2 + 2 + 2, "the young medical row, alice's 2, frank's 2, today's 2")
            #expect(try await Self.count(url, "SELECT count(*)::int AS n FROM events WHERE user_id = 'alice'") == 2)
            #expect(try await Self.count(url, "SELECT count(*)::int AS n FROM events WHERE user_id = 'frank'") == 2)
            #expect(try await Self.count(url, "SELECT count(*)::int AS n FROM events WHERE user_id = 'carol'") == 1)
            #expect(try await Self.count(url, "SELECT count(*)::int AS n FROM events WHERE user_id = 'dave'") == 0)

            // The days whose events went are marked for the next refresh.
            let marked = try await Self.count(url, "SELECT count(DISTINCT (tenant_id, day))::int AS n FROM refresh_dirty_buckets")
            #expect(marked == Int(real.counts["days_marked"] ?? -1))
            #expect(marked >= 3)

            // Audited: the real run's entries add up to its counts; the dry run has its own entries.
            let audited = try await Self.count(url, """
                SELECT COALESCE(sum((row_counts ->> 'events')::int), 0)::int AS n FROM compliance_audit_logs WHERE action = 'retention.apply'
                """)
            #expect(audited == Int(real.counts["events"] ?? -1))
            #expect(try await Self.count(url, "SELECT count(*)::int AS n FROM compliance_audit_logs WHERE action = 'retention.apply.dry_run'") == 2)
            #expect(try await Self.count(url, "SELECT count(*)::int AS n FROM compliance_audit_logs WHERE action = 'retention.apply' AND tenant_id = 'globex'") == 1)

            // Nothing is left to do.
            options.dryRun = true
            let again = try await retention.run(options)
            #expect(again.counts["events"] == 0 && again.counts["partitions_dropped"] == 0)
        }
    }

    @Test("as a member of sluice_compliance a month past every TTL is emptied row by row and left for the owner, who then drops it")
    func complianceLeavesDropsToTheOwner() async throws {
        try await TestDatabase.withMigrated { url in
            let months = try await Self.seed(url)
            let report = try await Retention(connectionString: TestDatabase.url(url, as: .compliance)).run(.init(actor: "job"))
            #expect(report.owner == false)
            #expect(report.partitions_for_owner == [Self.partition(months.old)])
            #expect(report.counts["partitions_dropped"] == 0)
            #expect(report.counts["events"] == 11)
            #expect(try await Self.exists(url, Self.partition(months.old)))
            #expect(try await Self.count(url, "SELECT count(*)::int AS n FROM \(Self.partition(months.old))") == 0)
            let owner = try await Retention(connectionString: url).run(.init(actor: "owner"))
            #expect(owner.counts["partitions_dropped"] == 1)
            #expect(try await !Self.exists(url, Self.partition(months.old)))
        }
    }

    @Test("a hold placed after the dry run stops the drop it planned: the real run reads the holds again")
    func holdPlacedAfterTheDryRunIsHonoured() async throws {
        try await TestDatabase.withMigrated { url in
            let months = try await Self.seed(url)
            let retention = Retention(connectionString: url)
            var options = Retention.Options(actor: "job")
            options.dryRun = true
            let plan = try await retention.run(options)
            #expect(plan.partitions.first { $0.partition == Self.partition(months.old) }?.action == "drop")
            // Between plan and act (as a real run's own plan could be overtaken), a hold on gus.
            let compliance = try await ComplianceSession.open(TestDatabase.url(url, as: .compliance), command: "retention hold")
            _ = try await LegalHolds.place(tenant: "globex", on: .user("gus"), reason: "subpoena", until: nil, actor: "counsel", hashKey: nil, connection: compliance)
            await compliance.close()
            options.dryRun = false
            let real = try await retention.run(options)
            #expect(real.counts["partitions_dropped"] == 0)
            #expect(try await Self.exists(url, Self.partition(months.old)))
            #expect(try await Self.count(url, "SELECT count(*)::int AS n FROM events WHERE user_id = 'gus'") == 1)
            #expect(try await Self.count(url, "SELECT count(*)::int AS n FROM events WHERE user_id = 'carol' AND occurred_at < '\(months.mixed)'") == 0)
        }
    }

    @Test("an erasure waits for a category hold only when the person has events of that category")
    func categoryHoldsBlockOnlyTheirCategory() async throws {
        try await TestDatabase.withMigrated { url in
            _ = try await Self.seed(url)
            let compliance = try await ComplianceFixture.compliance(url)
            let resolver = SubjectResolver(hashKey: try ComplianceFixture.hashKey("acme"))
            let frank = try await LegalHolds.blocking(try await resolver.resolve(.user("frank"), tenant: "acme", on: compliance), connection: compliance)
            let dave = try await LegalHolds.blocking(try await resolver.resolve(.user("dave"), tenant: "acme", on: compliance), connection: compliance)
            let alice = try await LegalHolds.blocking(try await resolver.resolve(.user("alice"), tenant: "acme", on: compliance), connection: compliance)
            await compliance.close()
            #expect(frank.map(\.category) == ["transactional"], "frank's purchases are transactional")
            #expect(dave.isEmpty, "dave has only behavioural events: \(dave)")
            #expect(alice.map(\.user_id) == ["alice"])
        }
    }

    @Test("a load into the current month is not blocked while a month is detached and dropped")
    func concurrentLoadIsNotBlocked() async throws {
        try await TestDatabase.withMigrated { url in
            let months = try await Self.seed(url)
            // A batch of the current month in flight (open transaction) while retention starts.
            let inFlight = try await PostgresConnection.connect(TestDatabase.url(url, as: .loader))
            try await inFlight.execute(unsafeSQL: """
                BEGIN; SELECT set_config('sluice.tenant', 'acme', true);
                INSERT INTO events (type, occurred_at, user_id, tenant_id, data_json, contract) VALUES ('view', now(), 'zoe', 'acme', '{}', 'recs')
                """)
            var options = Retention.Options(actor: "job")
            options.lockTimeout = "30s"
            async let applied = Retention(connectionString: url).run(options)
            try await Task.sleep(for: .seconds(1))
            // Another load meanwhile, through the loader, into the current month.
            let now = PostgresTimestamp.now().microsecondsSinceUnixEpoch
            let lines = (0..<500).map { index in
                #"{"eventId":"\#(UUID().uuidString.lowercased())","eventType":"view","timestamp":"\#(PostgresTimestamp(microsecondsSinceUnixEpoch: now - Int64(index) * 1_000_000).description)","productId":"p","metadata":{"schemaVersion":1},"anonId":"a-\#(index)","userId":"yan"}"#
            }
            let started = ContinuousClock.now
            let summary = try await ComplianceFixture.load(url, lines, tenant: "acme", contract: .recs)
            let took = started.duration(to: .now)
            #expect(summary.loaded == 500)
            #expect(took < .seconds(15), "the load took \(took)")
            try await inFlight.execute(unsafeSQL: "COMMIT")
            await inFlight.close()
            let report = try await applied
            #expect(report.counts["partitions_dropped"] == 1, "\(report.busy)")
            #expect(try await !Self.exists(url, Self.partition(months.old)))
            #expect(try await Self.count(url, "SELECT count(*)::int AS n FROM events WHERE user_id IN ('yan', 'zoe')") == 501)
        }
    }

    @Test("logins that are not compliance staff are refused, with advice")
    func refusesOtherLogins() async throws {
        try await TestDatabase.withMigrated { url in
            await #expect(throws: ComplianceError.self) {
                _ = try await Retention(connectionString: TestDatabase.url(url, as: .loader)).run(.init(actor: "x"))
            }
            do {
                _ = try await Retention(connectionString: TestDatabase.url(url, as: .refresher)).run(.init(actor: "x"))
                Issue.record("the refresher ran retention")
            } catch let error as ComplianceError {
                #expect(error.description.contains("sluice_compliance"))
            }
        }
    }

    @Test("holds: placed, listed, released, audited; bad input refused")
    func holds() async throws {
        try await TestDatabase.withMigrated { url in
            let compliance = try await ComplianceFixture.compliance(url)
            let hold = try await LegalHolds.place(tenant: "acme", on: .category("medical"), reason: "regulator", until: "2099-01-01", actor: "counsel",
                                                  hashKey: nil, connection: compliance)
            #expect(hold.active && hold.category == "medical")
            await #expect(throws: ComplianceError.self) {
                _ = try await LegalHolds.place(tenant: "acme", on: .category("medicl"), reason: "typo", until: nil, actor: "c", hashKey: nil, connection: compliance)
            }
            await #expect(throws: ComplianceError.self) {
                _ = try await LegalHolds.place(tenant: "acme", on: .user("u"), reason: "past", until: "2001-01-01", actor: "c", hashKey: nil, connection: compliance)
            }
            await #expect(throws: ComplianceError.self) {
                _ = try await LegalHolds.place(tenant: "acme", on: .user("u"), reason: "bad", until: "next tuesday-ish", actor: "c", hashKey: nil, connection: compliance)
            }
            #expect(try await LegalHolds.list(tenant: nil, includeInactive: false, connection: compliance).map(\.id) == [hold.id])
            let released = try await LegalHolds.release(id: hold.id, tenant: "acme", actor: "counsel", connection: compliance)
            #expect(!released.active && released.released_by?.hasPrefix("counsel") == true)
            await #expect(throws: ComplianceError.self) {
                _ = try await LegalHolds.release(id: hold.id, tenant: "acme", actor: "counsel", connection: compliance)
            }
            await #expect(throws: ComplianceError.self) {
                _ = try await LegalHolds.release(id: hold.id, tenant: "globex", actor: "counsel", connection: compliance)
            }
            #expect(try await LegalHolds.list(tenant: "acme", includeInactive: false, connection: compliance).isEmpty)
            #expect(try await LegalHolds.list(tenant: "acme", includeInactive: true, connection: compliance).count == 1)
            await compliance.close()
            let actions = try await Self.count(url, "SELECT count(*)::int AS n FROM compliance_audit_logs WHERE action IN ('retention.hold', 'retention.release')")
            #expect(actions == 2)
        }
    }

    @Test("every event type of every registered contract has a retention category row, and each category a policy")
    func everyEventTypeHasACategory() async throws {
        try await TestDatabase.withMigrated { url in
            let registry = try EventContractRegistry()
            let admin = try await PostgresConnection.connect(url)
            let rows = try await admin.query("""
                SELECT c.contract, c.event_type, (p.id IS NOT NULL) AS has_policy FROM retention_event_categories AS c
                LEFT JOIN data_retention_policies AS p ON p.category = c.category
                """)
            await admin.close()
            var mapped: Set<String> = []
            for row in rows {
                mapped.insert("\(try row.decode("contract", as: String.self))/\(try row.decode("event_type", as: String.self))")
                #expect(try row.decode("has_policy", as: Bool.self))
            }
            // growthos event names are free-form (its one document is `event`): its `*` row covers them.
            let freeForm: Set<Contract> = [.growthos]
            for contract in Contract.allCases {
                if freeForm.contains(contract) {
                    #expect(mapped.contains("\(contract.rawValue)/*"), "\(contract.rawValue) has no default category")
                    continue
                }
                let types = registry.eventTypes(of: contract)
                #expect(!types.isEmpty)
                for type in types {
                    #expect(mapped.contains("\(contract.rawValue)/\(type)"), "\(contract.rawValue) \(type) has no retention category")
                }
            }
        }
    }
}
