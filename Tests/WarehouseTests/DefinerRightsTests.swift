import Foundation
import Postgres
import Testing
import TestSupport
@testable import Warehouse

/// Every path that runs with rights its caller does not have: the definer-rights functions and
/// views, reviewed here by name (docs/security.md, "Definer rights"), and attacked below as the
/// least-privileged logins that can reach them.
enum DefinerRights {
    /// One reviewed definer-rights function or view: who may use it, and why it needs the owner's
    /// rights. Adding a definer-rights object means adding it here, with an attack in
    /// `PrivilegedPathAttackTests`.
    struct Reviewed {
        var users: Set<String>
        var reason: String
    }

    /// Signatures as `schema.name(argument types)`.
    static let functions: [String: Reviewed] = [
        "public.sluice_current_tenant()": Reviewed(
            users: ["sluice_loader", "sluice_refresher", "sluice_compliance", "sluice_bi"],
            reason: "every row-level security policy calls it; a BI login cannot read tenant_logins, which binds it to its tenant"),
        "public.sluice_ensure_event_partition(timestamp with time zone)": Reviewed(
            users: ["sluice_loader"],
            reason: "only the owner of events may add a partition; the loader creates the months its batches touch"),
        "public.sluice_audit_append(text, text, text, text, text, text, text[], jsonb, jsonb, text, text)": Reviewed(
            users: ["sluice_loader", "sluice_compliance"],
            reason: "appends to the hash-chained audit trail, which nobody but the owner may write, so that appends cannot rewrite or reorder it"),
        "public.sluice_audit_chains(text)": Reviewed(
            users: ["sluice_compliance"],
            reason: "sluice audit verify checks every tenant's chain against its head and checkpoint (sluice_private), whatever row-level security shows; read-only"),
        "public.sluice_audit_chain_rows(text, bigint, integer)": Reviewed(
            users: ["sluice_compliance"],
            reason: "sluice audit verify reads every row of a chain, batch by batch, whatever row-level security shows; read-only, hashes and positions only"),
        "public.sluice_audit_entries(text, timestamp with time zone, text, text, integer)": Reviewed(
            users: ["sluice_compliance"],
            reason: "sluice audit list shows compliance staff every tenant's entries and the tenant-less ones; read-only"),
        "public.sluice_audit_prune(boolean, text)": Reviewed(
            users: ["sluice_compliance"],
            reason: "audit retention: only the owner may delete audit rows and write the signed checkpoints; the caller chooses neither the period nor the rows"),
        "public.sluice_retention_tenants()": Reviewed(
            users: ["sluice_compliance"],
            reason: "retention governs every tenant, and compliance staff see a tenant's rows only by naming it: it returns the tenant ids that have prunable rows or holds, nothing else"),
        "analytics.set_aside_indexes(regclass)": Reviewed(
            users: ["sluice_refresher"],
            reason: "a full refresh drops a truncated table's indexes to build them by sorting; dropping takes the owner"),
        "analytics.restore_indexes(regclass, integer)": Reviewed(
            users: ["sluice_refresher"],
            reason: "builds the indexes set_aside_indexes dropped, from definitions only the owner can write"),
    ]

    /// Views that run with their owner's rights (not security_invoker).
    static let views: [String: Reviewed] = [
        "public.sluice_event_partitions": Reviewed(
            users: ["sluice_refresher", "sluice_loader", "sluice_compliance"],
            reason: "reads only the catalog (partition bounds and sizes of public.events)"),
    ]

    /// Schemas whose objects are Sluice's.
    static let schemas = ["public", "analytics", "sluice_private"]
}

@Suite("definer rights: the reviewed catalog")
struct DefinerRightsCatalogTests {
    struct Found: Sendable {
        var name: String
        var searchPath: String?
        var publicMayUse: Bool
        var users: Set<String>
    }

    /// Every SECURITY DEFINER function of Sluice's schemas, with its pinned search_path (if any),
    /// whether PUBLIC may execute it, and which other roles may (the owner aside).
    static func definerFunctions(_ connection: PostgresConnection) async throws -> [Found] {
        try await connection.query("""
            SELECT n.nspname || '.' || p.proname || '(' || oidvectortypes(p.proargtypes) || ')' AS name,
                   (SELECT substr(c, length('search_path=') + 1) FROM unnest(p.proconfig) AS c WHERE c LIKE 'search_path=%') AS search_path,
                   EXISTS (SELECT 1 FROM aclexplode(COALESCE(p.proacl, acldefault('f', p.proowner))) AS a
                           WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS public_may_use,
                   COALESCE((SELECT string_agg(r.rolname, ',' ORDER BY r.rolname)
                             FROM aclexplode(COALESCE(p.proacl, acldefault('f', p.proowner))) AS a
                             JOIN pg_roles AS r ON r.oid = a.grantee
                             WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner), '') AS users
            FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
            WHERE p.prosecdef AND n.nspname = ANY(\(DefinerRights.schemas))
            ORDER BY 1
            """).map { row in
            Found(name: try row.decode("name", as: String.self), searchPath: try row.decode("search_path", as: String?.self),
                  publicMayUse: try row.decode("public_may_use", as: Bool.self),
                  users: Set(try row.decode("users", as: String.self).split(separator: ",").map(String.init)))
        }
    }

    /// Every view of Sluice's schemas that runs with its owner's rights, and who may read it.
    static func definerViews(_ connection: PostgresConnection) async throws -> [Found] {
        try await connection.query("""
            SELECT c.relnamespace::regnamespace::text || '.' || c.relname AS name,
                   EXISTS (SELECT 1 FROM aclexplode(COALESCE(c.relacl, acldefault('r', c.relowner))) AS a
                           WHERE a.grantee = 0) AS public_may_use,
                   COALESCE((SELECT string_agg(DISTINCT r.rolname, ',')
                             FROM aclexplode(COALESCE(c.relacl, acldefault('r', c.relowner))) AS a
                             JOIN pg_roles AS r ON r.oid = a.grantee
                             WHERE a.grantee <> c.relowner), '') AS users
            FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY(\(DefinerRights.schemas))
              AND NOT EXISTS (SELECT 1 FROM pg_options_to_table(c.reloptions) AS o
                              WHERE o.option_name = 'security_invoker' AND o.option_value IN ('true', 'on', '1', 'yes'))
            ORDER BY 1
            """).map { row in
            Found(name: try row.decode("name", as: String.self), searchPath: nil,
                  publicMayUse: try row.decode("public_may_use", as: Bool.self),
                  users: Set(try row.decode("users", as: String.self).split(separator: ",").map(String.init)))
        }
    }

    /// What is wrong with a definer-rights function, by the rules of docs/security.md.
    static func problems(of function: Found) -> [String] {
        var problems: [String] = []
        let reviewed = DefinerRights.functions[function.name]
        if reviewed == nil {
            problems.append("\(function.name) is SECURITY DEFINER but not in the reviewed list (add it with its reason, and an attack test)")
        }
        let path = function.searchPath?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
        if path != ["pg_catalog", "pg_temp"] {
            problems.append("\(function.name): search_path is \(function.searchPath.map { "'\($0)'" } ?? "not pinned"); pin it with SET search_path = pg_catalog, pg_temp")
        }
        if function.publicMayUse {
            problems.append("\(function.name): PUBLIC may execute it; REVOKE ALL ON FUNCTION … FROM PUBLIC")
        }
        if let reviewed, function.users != reviewed.users {
            problems.append("\(function.name): executable by \(function.users.sorted()), reviewed for \(reviewed.users.sorted())")
        }
        return problems
    }

    @Test("every SECURITY DEFINER function is reviewed, pins search_path to pg_catalog, pg_temp, and is executable by exactly its roles")
    func definerFunctionsAreReviewed() async throws {
        try await TestDatabase.withMigrated { url in
            let connection = try await PostgresConnection.connect(url)
            let found = try await Self.definerFunctions(connection)
            #expect(Set(found.map(\.name)) == Set(DefinerRights.functions.keys), "definer functions in the database: \(found.map(\.name))")
            for function in found {
                let problems = Self.problems(of: function)
                #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
            }
            await connection.close()
        }
    }

    @Test("the review catches a definer function without a pinned search_path, one executable by PUBLIC, and one not reviewed")
    func reviewCatchesBadFunctions() async throws {
        try await TestDatabase.withMigrated { url in
            let connection = try await PostgresConnection.connect(url)
            // What a careless new sql/ file would add.
            try await connection.execute(unsafeSQL: """
                CREATE OR REPLACE FUNCTION analytics.restore_indexes(p_table regclass, p_at_most integer DEFAULT NULL) RETURNS integer
                LANGUAGE sql SECURITY DEFINER AS $$ SELECT 0 $$;
                CREATE FUNCTION public.sluice_unreviewed() RETURNS integer LANGUAGE sql SECURITY DEFINER
                SET search_path = pg_catalog, pg_temp AS $$ SELECT 1 $$;
                GRANT EXECUTE ON FUNCTION analytics.restore_indexes(regclass, integer) TO PUBLIC;
                """)
            let found = try await Self.definerFunctions(connection)
            let restore = try #require(found.first { $0.name == "analytics.restore_indexes(regclass, integer)" })
            let problems = Self.problems(of: restore)
            #expect(problems.contains { $0.contains("search_path is not pinned") }, "\(problems)")
            #expect(problems.contains { $0.contains("PUBLIC may execute it") }, "\(problems)")
            let unreviewed = try #require(found.first { $0.name == "public.sluice_unreviewed()" })
            #expect(Self.problems(of: unreviewed).first?.contains("not in the reviewed list") == true)
            await connection.close()
        }
    }

    @Test("every view that runs with its owner's rights is reviewed and readable only by its roles")
    func definerViewsAreReviewed() async throws {
        try await TestDatabase.withMigrated { url in
            let connection = try await PostgresConnection.connect(url)
            let found = try await Self.definerViews(connection)
            #expect(Set(found.map(\.name)) == Set(DefinerRights.views.keys),
                    "views without security_invoker: \(found.map(\.name)); make them security_invoker or review them")
            for view in found {
                #expect(!view.publicMayUse, "\(view.name) is readable by PUBLIC")
                #expect(view.users == DefinerRights.views[view.name]?.users, "\(view.name): readable by \(view.users.sorted())")
            }
            await connection.close()
        }
    }

    @Test("nobody but the owner has any privilege on sluice_private or on schema public's CREATE")
    func privateStateIsOwnerOnly() async throws {
        try await TestDatabase.withMigrated { url in
            let connection = try await PostgresConnection.connect(url)
            let grants = try await connection.query("""
                SELECT 'schema sluice_private: ' || COALESCE(r.rolname, 'PUBLIC') || ' ' || a.privilege_type AS grant
                FROM pg_namespace AS n, aclexplode(COALESCE(n.nspacl, acldefault('n', n.nspowner))) AS a
                LEFT JOIN pg_roles AS r ON r.oid = a.grantee
                WHERE n.nspname = 'sluice_private' AND a.grantee <> n.nspowner
                UNION ALL
                SELECT c.oid::regclass::text || ': ' || COALESCE(r.rolname, 'PUBLIC') || ' ' || a.privilege_type
                FROM pg_class AS c, aclexplode(COALESCE(c.relacl, acldefault('r', c.relowner))) AS a
                LEFT JOIN pg_roles AS r ON r.oid = a.grantee
                WHERE c.relnamespace = 'sluice_private'::regnamespace AND a.grantee <> c.relowner
                UNION ALL
                SELECT 'schema ' || n.nspname || ': PUBLIC CREATE'
                FROM pg_namespace AS n, aclexplode(COALESCE(n.nspacl, acldefault('n', n.nspowner))) AS a
                WHERE n.nspname IN ('public', 'analytics') AND a.grantee = 0 AND a.privilege_type = 'CREATE'
                """).map { try $0.decode("grant", as: String.self) }
            #expect(grants.isEmpty, "\(grants)")
            await connection.close()
        }
    }
}
