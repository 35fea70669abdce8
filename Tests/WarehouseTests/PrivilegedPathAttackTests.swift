import Foundation
import Postgres
import Testing
import TestSupport
@testable import Warehouse

/// Each least-privileged login that can reach a privileged path tries the known ways up, over a
/// real connection: temporary tables shadowing every name a definer-rights function could resolve,
/// a hostile search_path, SET ROLE and SET SESSION AUTHORIZATION, objects created where others
/// resolve names, granting itself membership or attributes, and writing what a definer trusts.
/// Every attempt must be refused, every definer function must do exactly its job, and afterwards
/// no role has gained an attribute or a membership.
@Suite("privileged paths attacked as each least-privileged login", .serialized)
struct PrivilegedPathAttackTests {
    /// The logins that can reach a privileged path, least privilege first.
    enum Attacker: String, CaseIterable, Sendable {
        case plain, bi, compliance, loader, refresher

        /// The group role it is a member of.
        var group: String? {
            switch self {
            case .plain: nil
            case .bi: "sluice_bi"
            case .compliance: "sluice_compliance"
            case .loader: "sluice_loader"
            case .refresher: "sluice_refresher"
            }
        }
    }

    static let groups = ["sluice_loader", "sluice_refresher", "sluice_compliance", "sluice_bi"]

    /// The attackers' logins of one test (roles are cluster-wide: names are unique per test).
    struct Logins {
        var names: [Attacker: String]
        var owner: String

        static func create(_ url: String, admin: PostgresConnection) async throws -> Logins {
            let suffix = String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(8))
            var names: [Attacker: String] = [:]
            for attacker in Attacker.allCases {
                let name = "atk_\(attacker.rawValue)_\(suffix)"
                names[attacker] = name
                switch attacker {
                case .bi:
                    _ = try await BILogins(connection: admin).grant(login: name, tenant: "tenant_a", password: "not used: trust", limits: .init())
                case .plain, .compliance, .loader, .refresher:
                    try await admin.execute(unsafeSQL: "CREATE ROLE \(name) LOGIN\(attacker.group.map { " IN ROLE \($0)" } ?? "")")
                }
            }
            let owner = try await admin.query("SELECT current_user::text AS name")[0].decode("name", as: String.self)
            return Logins(names: names, owner: owner)
        }

        func drop(admin: PostgresConnection) async {
            for name in names.values {
                _ = try? await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(name)")
                _ = try? await admin.query("DELETE FROM public.tenant_logins WHERE login = \(name)")
                _ = try? await admin.execute(unsafeSQL: "DROP ROLE IF EXISTS \(name)")
            }
        }

        func connect(_ url: String, as attacker: Attacker) async throws -> PostgresConnection {
            var components = try #require(URLComponents(string: url))
            components.user = names[attacker]
            components.password = nil
            return try await PostgresConnection.connect(try #require(components.string))
        }
    }

    /// Runs `body` with a migrated database, the attackers' logins and an owner connection; drops
    /// the logins afterwards, also when `body` throws.
    static func withAttackers(_ body: (String, Logins, PostgresConnection) async throws -> Void) async throws {
        try await TestDatabase.withMigrated { url in
            let admin = try await PostgresConnection.connect(url)
            let logins = try await Logins.create(url, admin: admin)
            do {
                try await body(url, logins, admin)
            } catch {
                await logins.drop(admin: admin)
                await admin.close()
                throw error
            }
            await logins.drop(admin: admin)
            await admin.close()
        }
    }

    /// Attributes and memberships of the roles involved: what an escalation would change.
    static func roleSnapshot(_ admin: PostgresConnection, _ logins: Logins) async throws -> [String] {
        let names = Array(logins.names.values) + groups + [logins.owner]
        let attributes = try await admin.query("""
            SELECT format('%s super=%s createrole=%s createdb=%s bypassrls=%s replication=%s login=%s inherit=%s',
                          r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls, r.rolreplication, r.rolcanlogin, r.rolinherit) AS line
            FROM pg_roles AS r WHERE r.rolname = ANY(\(names)) ORDER BY 1
            """).map { try $0.decode("line", as: String.self) }
        let memberships = try await admin.query("""
            SELECT format('%s member of %s admin=%s', m.rolname, g.rolname, a.admin_option) AS line
            FROM pg_auth_members AS a JOIN pg_roles AS m ON m.oid = a.member JOIN pg_roles AS g ON g.oid = a.roleid
            WHERE m.rolname = ANY(\(names)) ORDER BY 1
            """).map { try $0.decode("line", as: String.self) }
        return attributes + memberships
    }

    /// Runs `sql` in a read-write transaction of its own (a BI login's sessions are read-only by
    /// default, which would refuse for another reason) and rolls it back; returns the error.
    static func attempt(_ session: PostgresConnection, _ sql: String) async -> PostgresError? {
        do throws(PostgresError) {
            try await session.execute(unsafeSQL: "BEGIN READ WRITE")
            try await session.execute(unsafeSQL: sql)
            try await session.execute(unsafeSQL: "ROLLBACK")
            return nil
        } catch {
            _ = try? await session.execute(unsafeSQL: "ROLLBACK")
            return error
        }
    }

    static func expectRefused(_ session: PostgresConnection, _ sql: String, _ who: String,
                              sqlState: String = "42501", sourceLocation: SourceLocation = #_sourceLocation) async {
        let error = await attempt(session, sql)
        #expect(error != nil, "\(who) was allowed: \(sql)", sourceLocation: sourceLocation)
        if let error {
            #expect(error.sqlState == sqlState, "\(who): \(sql) failed with \(error.sqlState ?? "?") \(error.message), not \(sqlState)",
                    sourceLocation: sourceLocation)
        }
    }

    /// `CREATE TEMP TABLE` statements shadowing every table and view of Sluice's schemas with the
    /// same columns (so that an unqualified reference would read it without error), plus the
    /// missing partition `partition` and the temporary table the old restore_indexes trusted.
    static func shadowingTables(_ admin: PostgresConnection, partition: String) async throws -> [String] {
        var statements = try await admin.query("""
            SELECT format('CREATE TEMP TABLE %I (%s) ON COMMIT DROP', c.relname,
                          (SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum)
                           FROM pg_attribute AS a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)) AS ddl
            FROM (SELECT DISTINCT ON (c.relname) c.oid, c.relname FROM pg_class AS c
                  WHERE c.relkind IN ('r', 'p', 'v', 'm')
                    AND c.relnamespace IN ('public'::regnamespace, 'analytics'::regnamespace, 'sluice_private'::regnamespace)
                  ORDER BY c.relname, c.oid) AS c
            """).map { try $0.decode("ddl", as: String.self) }
        statements.append("CREATE TEMP TABLE \(partition) (LIKE pg_temp.events) ON COMMIT DROP")
        statements.append("CREATE TEMP TABLE _set_aside_indexes (table_oid regclass, position integer, is_constraint boolean, name text, definition text) ON COMMIT DROP")
        return statements
    }

    /// Hostile rows for the shadowing tables: a binding to another tenant, and "index definitions"
    /// that would make the attacker a superuser if a definer ran them.
    /// `target` is the OID of analytics.dim_users (a login without USAGE on analytics cannot name it).
    static func hostileRows(login: String, target: Int64) -> [String] {
        [
            "INSERT INTO pg_temp.tenant_logins (login, tenant_id) VALUES (session_user, 'tenant_b')",
            "INSERT INTO pg_temp._set_aside_indexes VALUES ('\(target)', 1, false, 'x', 'ALTER ROLE \(login) SUPERUSER')",
            "INSERT INTO pg_temp.set_aside_indexes (table_oid, position, is_constraint, name, definition) VALUES ('\(target)', 1, false, 'x', 'ALTER ROLE \(login) SUPERUSER')",
            "SET LOCAL search_path = pg_temp, public, analytics, sluice_private",
        ]
    }

    /// A month no partition exists for yet, a different one for each call.
    static func freshMonth(_ admin: PostgresConnection, monthsAhead: Int) async throws -> (point: String, partition: String) {
        let row = try await admin.query("""
            SELECT to_char(date_trunc('month', now() AT TIME ZONE 'UTC') + \(monthsAhead) * interval '1 month', 'YYYY-MM-15') AS point,
                   'events_' || to_char(date_trunc('month', now() AT TIME ZONE 'UTC') + \(monthsAhead) * interval '1 month', 'YYYY_MM') AS partition
            """)[0]
        return (try row.decode("point", as: String.self), try row.decode("partition", as: String.self))
    }

    static func indexDefinitions(_ admin: PostgresConnection, _ table: String) async throws -> [String] {
        try await admin.query("""
            SELECT pg_get_indexdef(i.indexrelid) AS definition FROM pg_index AS i WHERE i.indrelid = \(table)::regclass ORDER BY 1
            """).map { try $0.decode("definition", as: String.self) }
    }

    @Test("the reported escalation: a refresher's temporary _set_aside_indexes no longer makes it superuser")
    func reportedEscalationFails() async throws {
        try await Self.withAttackers { url, logins, admin in
            let before = try await Self.roleSnapshot(admin, logins)
            let login = try #require(logins.names[.refresher])
            let session = try await logins.connect(url, as: .refresher)
            try await session.execute(unsafeSQL: """
                CREATE TEMP TABLE _set_aside_indexes(table_oid regclass, position int, is_constraint bool, name text, definition text);
                INSERT INTO _set_aside_indexes VALUES ('analytics.dim_users', 1, false, 'x', 'ALTER ROLE \(login) SUPERUSER');
                INSERT INTO _set_aside_indexes VALUES ('analytics.dim_users', 2, true, 'x', 'CHECK (true); ALTER ROLE \(login) SUPERUSER');
                """)
            let restored = try await session.query("SELECT analytics.restore_indexes(NULL) AS n")[0].decode("n", as: Int.self)
            #expect(restored == 0)
            let restoredOne = try await session.query("SELECT analytics.restore_indexes('analytics.dim_users', 5) AS n")[0].decode("n", as: Int.self)
            #expect(restoredOne == 0)
            await session.close()
            let superuser = try await admin.query("SELECT rolsuper FROM pg_roles WHERE rolname = \(login)")[0].decode("rolsuper", as: Bool.self)
            #expect(!superuser, "the refresher made itself superuser")
            #expect(try await Self.roleSnapshot(admin, logins) == before)
        }
    }

    @Test("every login: SET ROLE, SET SESSION AUTHORIZATION, CREATE where others resolve names, self-granted membership and attributes, writes to what definers trust — all refused")
    func escalationsAreRefused() async throws {
        try await Self.withAttackers { url, logins, admin in
            let before = try await Self.roleSnapshot(admin, logins)
            for attacker in Attacker.allCases {
                let login = try #require(logins.names[attacker])
                let session = try await logins.connect(url, as: attacker)
                // As Sluice runs them (the group role adopted), and as the bare login.
                for adopted in (attacker.group == nil ? [false] : [false, true]) {
                    if adopted, let group = attacker.group { try await session.execute(unsafeSQL: "SET ROLE \(group)") }
                    let who = "\(attacker)\(adopted ? " (as its group role)" : "")"
                    var statements = [
                        "SET ROLE \(logins.owner)",
                        "SET SESSION AUTHORIZATION \(logins.owner)",
                        "CREATE TABLE public.atk (x int)",
                        "CREATE FUNCTION public.sluice_current_tenant(text) RETURNS text LANGUAGE sql AS 'SELECT $1'",
                        "CREATE TABLE analytics.atk (x int)",
                        "CREATE VIEW analytics.kpi_daily_atk AS SELECT 1 AS x",
                        "CREATE TABLE sluice_private.atk (x int)",
                        "CREATE SCHEMA atk",
                        "ALTER ROLE \(login) SUPERUSER",
                        "ALTER ROLE \(login) BYPASSRLS",
                        "ALTER ROLE \(login) CREATEROLE",
                        "CREATE ROLE atk_\(attacker.rawValue)_extra",
                        "INSERT INTO public.tenant_logins (login, tenant_id) VALUES (session_user, 'tenant_b')",
                        "UPDATE public.tenant_logins SET tenant_id = 'tenant_b'",
                        "DELETE FROM public.tenant_logins",
                        "INSERT INTO sluice_private.set_aside_indexes (table_oid, position, is_constraint, name, definition) VALUES ('analytics.dim_users', 99, false, 'x', 'ALTER ROLE \(login) SUPERUSER')",
                        "DELETE FROM sluice_private.set_aside_indexes",
                        "UPDATE sluice_private.audit_chain_heads SET last_seq = 0",
                        "INSERT INTO public.compliance_audit_logs (tenant_id, action) VALUES ('tenant_a', 'forged')",
                        "UPDATE public.compliance_audit_logs SET action = 'forged'",
                        "DELETE FROM public.compliance_audit_logs",
                        "INSERT INTO sluice_private.audit_checkpoints (tenant_id, through_seq, through_hash, pruned_rows, created_at, signature) VALUES ('tenant_a', 1, sha256(''), 1, now(), '')",
                        "UPDATE sluice_private.audit_checkpoints SET through_seq = 1",
                        "DELETE FROM sluice_private.audit_checkpoints",
                        "SELECT key FROM sluice_private.audit_signing_key",
                        "SELECT sluice_private.audit_checkpoint_signature('tenant_a', 1, sha256(''), 1, now())",
                        "UPDATE public.data_retention_policies SET ttl_days = 1 WHERE category = 'compliance_audit_logs'",
                        "CREATE OR REPLACE FUNCTION public.sluice_current_tenant() RETURNS text LANGUAGE sql AS $$ SELECT 'tenant_b'::text $$",
                        "ALTER FUNCTION analytics.restore_indexes(regclass, integer) RESET search_path",
                        "ALTER TABLE public.events DISABLE ROW LEVEL SECURITY",
                        "DROP POLICY tenant_isolation ON analytics.kpi_daily",
                    ]
                    for group in Self.groups {
                        statements.append("GRANT \(group) TO \(login)")
                        statements.append("GRANT \(group) TO \(login) WITH ADMIN OPTION")
                        if group != attacker.group { statements.append("SET ROLE \(group)") }
                    }
                    for statement in statements {
                        await Self.expectRefused(session, statement, who)
                    }
                    if adopted { try await session.execute(unsafeSQL: "RESET ROLE") }
                }
                await session.close()
            }
            #expect(try await Self.roleSnapshot(admin, logins) == before, "a role gained an attribute or a membership")
        }
    }

    @Test("every definer function, called by every login under temporary tables shadowing every name and a hostile search_path, does only its job or refuses")
    func definerFunctionsIgnoreShadows() async throws {
        try await Self.withAttackers { url, logins, admin in
            let before = try await Self.roleSnapshot(admin, logins)
            let usersOf = { (signature: String) in DefinerRights.functions[signature]?.users ?? [] }
            // One real event, of tenant_a: what sluice_retention_tenants() must find.
            try await admin.execute(unsafeSQL: """
                SELECT public.sluice_ensure_event_partition(now());
                INSERT INTO public.events (type, occurred_at, tenant_id, data_json, contract) VALUES ('view', now(), 'tenant_a', '{}', 'recs')
                """)
            let dimUsersIndexes = try await Self.indexDefinitions(admin, "analytics.dim_users")
            #expect(dimUsersIndexes.count == 2, "\(dimUsersIndexes)")
            let target = try await admin.query("SELECT 'analytics.dim_users'::regclass::oid::bigint AS oid")[0].decode("oid", as: Int64.self)
            var monthsAhead = 90
            for attacker in Attacker.allCases {
                let login = try #require(logins.names[attacker])
                let session = try await logins.connect(url, as: attacker)
                let mayUse = { (signature: String) in attacker.group.map { usersOf(signature).contains($0) } ?? false }
                for adopted in (attacker.group == nil ? [false] : [false, true]) {
                    if adopted, let group = attacker.group { try await session.execute(unsafeSQL: "SET ROLE \(group)") }
                    let who = "\(attacker)\(adopted ? " (as its group role)" : "")"
                    monthsAhead += 1
                    let month = try await Self.freshMonth(admin, monthsAhead: monthsAhead)
                    let shadows = try await Self.shadowingTables(admin, partition: month.partition) + Self.hostileRows(login: login, target: target)
                    let shadowed = { (call: String) in (["BEGIN READ WRITE"] + shadows + [call]).joined(separator: ";\n") }

                    // sluice_current_tenant(): the BI login's own binding, nobody else a tenant it did not set.
                    do {
                        let call = "SELECT public.sluice_current_tenant() AS tenant"
                        if mayUse("public.sluice_current_tenant()") {
                            try await session.execute(unsafeSQL: shadowed("SELECT 1"))
                            let tenant = try await session.query(PostgresQuery(unsafeSQL: call))[0].decode("tenant", as: String?.self)
                            try await session.execute(unsafeSQL: "ROLLBACK")
                            #expect(tenant == (attacker == .bi ? "tenant_a" : nil), "\(who): sluice_current_tenant() = \(tenant ?? "NULL")")
                        } else {
                            await Self.expectRefused(session, call, who)
                        }
                    }

                    // sluice_ensure_event_partition(): creates the real partition of public.events.
                    do {
                        let call = "SELECT * FROM public.sluice_ensure_event_partition('\(month.point)'::timestamptz)"
                        if mayUse("public.sluice_ensure_event_partition(timestamp with time zone)") {
                            try await session.execute(unsafeSQL: shadowed("SELECT 1"))
                            let row = try await session.query(PostgresQuery(unsafeSQL: call))[0]
                            try await session.execute(unsafeSQL: "COMMIT")
                            #expect(try row.decode("partition_name", as: String.self) == month.partition)
                            #expect(try row.decode("created", as: Bool.self), "\(who): a temporary \(month.partition) made it skip the CREATE")
                            let parent = try await admin.query("""
                                SELECT i.inhparent::regclass::text AS parent FROM pg_inherits AS i
                                WHERE i.inhrelid = to_regclass('public.' || \(month.partition))
                                """).first?.decode("parent", as: String.self)
                            #expect(parent == "events", "\(who): public.\(month.partition) is not a partition of events")
                            for bad in ["NULL", "'infinity'", "'0044-03-15 BC'", "(now() + interval '30 years')"] {
                                await Self.expectRefused(session, "SELECT * FROM public.sluice_ensure_event_partition(\(bad)::timestamptz)", who, sqlState: "22023")
                            }
                        } else {
                            await Self.expectRefused(session, call, who)
                        }
                    }

                    // analytics.restore_indexes(): runs nothing the caller wrote.
                    do {
                        let call = "SELECT analytics.restore_indexes(NULL) AS n"
                        if mayUse("analytics.restore_indexes(regclass, integer)") {
                            try await session.execute(unsafeSQL: shadowed("SELECT 1"))
                            let restored = try await session.query(PostgresQuery(unsafeSQL: call))[0].decode("n", as: Int.self)
                            try await session.execute(unsafeSQL: "COMMIT")
                            #expect(restored == 0, "\(who): restore_indexes restored \(restored) indexes nobody set aside")
                        } else {
                            await Self.expectRefused(session, call, who)
                        }
                    }

                    // analytics.set_aside_indexes(): only the real, just-truncated tables; their exact
                    // indexes come back.
                    do {
                        let call = "SELECT analytics.set_aside_indexes('analytics.dim_users') AS n"
                        if mayUse("analytics.set_aside_indexes(regclass)") {
                            try await session.execute(unsafeSQL: shadowed("TRUNCATE analytics.dim_users"))
                            #expect(try await session.query(PostgresQuery(unsafeSQL: call))[0].decode("n", as: Int.self) == 2)
                            let setAside = try await session.query("SELECT count(*)::int AS n FROM pg_catalog.pg_index WHERE indrelid = 'analytics.dim_users'::regclass")[0]
                                .decode("n", as: Int.self)
                            #expect(setAside == 0)
                            let restored = try await session.query("SELECT analytics.restore_indexes('analytics.dim_users') AS n")[0].decode("n", as: Int.self)
                            #expect(restored == 2)
                            try await session.execute(unsafeSQL: "COMMIT")
                            #expect(try await Self.indexDefinitions(admin, "analytics.dim_users") == dimUsersIndexes, "\(who): indexes changed")
                            // An empty table of the caller's own, and tables a full refresh does not set aside.
                            for table in ["pg_temp.dim_users", "public.events", "analytics.kpi_daily"] {
                                await Self.expectRefused(session, "CREATE TEMP TABLE dim_users (x int) ON COMMIT DROP; SELECT analytics.set_aside_indexes('\(table)')",
                                                         who, sqlState: "22023")
                            }
                        } else {
                            await Self.expectRefused(session, call, who)
                        }
                    }
                    // sluice_audit_append(): the row lands in the real chain, signed with the login.
                    do {
                        let call = "SELECT a.id, a.chain_seq FROM public.sluice_audit_append('tenant_a', 'test.attack', 'r', NULL, 'me', 'none') AS a"
                        if mayUse("public.sluice_audit_append(text, text, text, text, text, text, text[], jsonb, jsonb, text, text)") {
                            try await session.execute(unsafeSQL: shadowed("SELECT 1"))
                            let row = try await session.query(PostgresQuery(unsafeSQL: call))[0]
                            try await session.execute(unsafeSQL: "COMMIT")
                            let id = try row.decode("id", as: Int64.self)
                            let stored = try await admin.query("""
                                SELECT a.actor, a.chain_seq = (SELECT h.last_seq FROM sluice_private.audit_chain_heads AS h WHERE h.tenant_id = 'tenant_a') AS at_head
                                FROM public.compliance_audit_logs AS a WHERE a.id = \(id)
                                """)
                            #expect(stored.count == 1, "\(who): the appended row is not in public.compliance_audit_logs")
                            #expect(try stored.first?.decode("actor", as: String.self) == "me@\(login)", "\(who)")
                            #expect(try stored.first?.decode("at_head", as: Bool.self) == true, "\(who): the chain head did not move")
                        } else {
                            await Self.expectRefused(session, call, who)
                        }
                    }
                    // The audit trail's readers: every real row, whatever the shadows hold.
                    do {
                        let real = try await admin.query("""
                            SELECT (SELECT count(*) FROM public.compliance_audit_logs)::int AS n,
                                   (SELECT last_seq FROM sluice_private.audit_chain_heads WHERE tenant_id = 'tenant_a') AS head
                            """)[0]
                        let rows = try real.decode("n", as: Int.self)
                        let head = try real.decode("head", as: Int64?.self)
                        let calls = [
                            ("public.sluice_audit_chains(text)", "SELECT c.head_seq AS n FROM public.sluice_audit_chains('tenant_a') AS c"),
                            ("public.sluice_audit_chain_rows(text, bigint, integer)",
                             "SELECT count(*) FILTER (WHERE r.recomputed_hash = r.row_hash) AS n FROM public.sluice_audit_chain_rows('tenant_a', 0, 10000) AS r"),
                            ("public.sluice_audit_entries(text, timestamp with time zone, text, text, integer)",
                             "SELECT count(*) AS n FROM public.sluice_audit_entries(NULL, NULL, NULL, NULL, 100000) AS e"),
                        ]
                        for (signature, call) in calls {
                            if mayUse(signature) {
                                try await session.execute(unsafeSQL: shadowed("SELECT 1"))
                                let n = try await session.query(PostgresQuery(unsafeSQL: call))[0].decode("n", as: Int64?.self)
                                try await session.execute(unsafeSQL: "ROLLBACK")
                                let expected = signature.hasPrefix("public.sluice_audit_entries") ? Int64(rows) : head
                                #expect(n == expected, "\(who): \(signature) returned \(String(describing: n)), the real tables \(String(describing: expected))")
                            } else {
                                await Self.expectRefused(session, call, who)
                            }
                        }
                        // Retention: a shadow policy of one day and a shadow head change nothing; the
                        // real rows are all young.
                        let prune = "SELECT count(*) AS n FROM public.sluice_audit_prune(false, 'attacker') AS p"
                        if mayUse("public.sluice_audit_prune(boolean, text)") {
                            try await session.execute(unsafeSQL: shadowed("""
                                INSERT INTO pg_temp.data_retention_policies (category, ttl_days) VALUES ('compliance_audit_logs', 1);
                                INSERT INTO pg_temp.audit_chain_heads (tenant_id, last_seq, last_hash) VALUES ('tenant_a', 1000000, sha256(''))
                                """))
                            let pruned = try await session.query(PostgresQuery(unsafeSQL: prune))[0].decode("n", as: Int64.self)
                            try await session.execute(unsafeSQL: "COMMIT")
                            #expect(pruned == 0, "\(who): sluice_audit_prune pruned \(pruned) young chain(s)")
                            let after = try await admin.query("SELECT count(*)::int AS n FROM public.compliance_audit_logs")[0].decode("n", as: Int.self)
                            #expect(after == rows, "\(who): audit rows went from \(rows) to \(after)")
                            await Self.expectRefused(session, "SELECT * FROM public.sluice_audit_prune(NULL, 'x')", who, sqlState: "22023")
                        } else {
                            await Self.expectRefused(session, prune, who)
                        }
                    }
                    // sluice_retention_tenants(): the real tables' tenants (tenant_a's event), never
                    // the rows of a temporary events table.
                    do {
                        let call = "SELECT array_agg(tenant_id ORDER BY tenant_id) AS tenants FROM public.sluice_retention_tenants()"
                        if mayUse("public.sluice_retention_tenants()") {
                            try await session.execute(unsafeSQL: shadowed("INSERT INTO pg_temp.events (id, type, occurred_at, tenant_id, data_json, contract) VALUES (1, 'x', now(), 'tenant_shadow', '{}', 'recs')"))
                            let tenants = try await session.query(PostgresQuery(unsafeSQL: call))[0].decode("tenants", as: [String]?.self)
                            try await session.execute(unsafeSQL: "ROLLBACK")
                            #expect(tenants == ["tenant_a"], "\(who): sluice_retention_tenants() = \(tenants ?? [])")
                        } else {
                            await Self.expectRefused(session, call, who)
                        }
                    }
                    if adopted { try await session.execute(unsafeSQL: "RESET ROLE") }
                }
                await session.close()
            }
            let superusers = try await admin.query("SELECT count(*)::int AS n FROM pg_roles WHERE rolsuper AND rolname LIKE 'atk\\_%'")[0].decode("n", as: Int.self)
            #expect(superusers == 0)
            #expect(try await Self.roleSnapshot(admin, logins) == before, "a role gained an attribute or a membership")
        }
    }

    @Test("indexes set aside by a transaction that committed without restoring them come back with the next refresh")
    func setAsideIndexesHeal() async throws {
        try await Self.withAttackers { url, logins, admin in
            let indexes = try await Self.indexDefinitions(admin, "analytics.user_days")
            #expect(indexes.count >= 1)
            let session = try await logins.connect(url, as: .refresher)
            try await session.execute(unsafeSQL: """
                BEGIN; TRUNCATE analytics.user_days; SELECT analytics.set_aside_indexes('analytics.user_days'); COMMIT
                """)
            #expect(try await Self.indexDefinitions(admin, "analytics.user_days").isEmpty)
            try await session.execute(unsafeSQL: "SET ROLE sluice_refresher")
            try await session.execute(unsafeSQL: "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM analytics.refresh(false); COMMIT")
            #expect(try await Self.indexDefinitions(admin, "analytics.user_days") == indexes)
            let left = try await admin.query("SELECT count(*)::int AS n FROM sluice_private.set_aside_indexes")[0].decode("n", as: Int.self)
            #expect(left == 0)
            await session.close()
        }
    }
}
