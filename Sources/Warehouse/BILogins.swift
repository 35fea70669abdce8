import Postgres

/// Per-tenant, read-only BI logins (`sluice bi grant|revoke|list`): LOGIN roles in `sluice_bi`,
/// bound to one tenant in `tenant_logins`, which row-level security reads.
public struct BILogins: Sendable {
    /// One BI login as `list` shows it.
    public struct Login: Sendable, Equatable {
        public var login: String
        public var tenant: String
        public var connectionLimit: Int
        public var createdAt: PostgresTimestamp
        /// The role still exists (a login dropped by hand leaves a dangling binding).
        public var roleExists: Bool
    }

    /// Limits a BI login gets.
    public struct Limits: Sendable {
        public var connectionLimit = 5
        /// A PostgreSQL duration: `30s`, `2min`.
        public var statementTimeout = "60s"
        public init() {}
    }

    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Creates (or updates) `login`, bound to `tenant`. The password is turned into a SCRAM
    /// verifier on this side; only the verifier is sent. Returns true when the role was created.
    /// A login bound to another tenant is refused (SQLSTATE 55000) unless `move`.
    ///
    /// `audit` runs in the grant's transaction with whether the role was created (`sluice bi
    /// grant` appends its audit entry there): both commit, or neither.
    public func grant(login: String, tenant: String, password: String, limits: Limits, move: Bool = false,
                      audit: @Sendable (isolated PostgresConnection, _ created: Bool) throws -> Void = { _, _ in }) async throws -> Bool {
        let verifier = try await connection.scramVerifier(password: password, user: login)
        return try await connection.withTransaction { connection in
            let created = try connection.query("""
                SELECT sluice_bi_grant(\(login), \(tenant), \(verifier), \(Int32(clamping: limits.connectionLimit)), \(limits.statementTimeout), \(move)) AS created
                """)[0].decode("created", as: Bool.self)
            try audit(connection, created)
            return created
        }
    }

    /// Whether the warehouse holds anything of `tenant` (events or analytics rows), as the
    /// connection may see it: a binding to a tenant with nothing is most likely a typo.
    public func tenantHasData(_ tenant: String) async throws -> Bool {
        try await connection.withTransaction { connection in
            // Row-level security applies to the owner too (FORCEd): name the tenant for this check.
            try connection.query("SELECT set_config('sluice.tenant', \(tenant), true)")
            return try connection.query("""
                SELECT EXISTS (SELECT 1 FROM public.events WHERE tenant_id = \(tenant))
                    OR EXISTS (SELECT 1 FROM analytics.kpi_daily WHERE tenant_id = \(tenant)) AS present
                """)[0].decode("present", as: Bool.self)
        }
    }

    /// Unbinds and drops `login`; false when it is not a BI login of this database. `audit` runs
    /// in the revoke's transaction with the tenant the login was bound to, when it was one.
    public func revoke(login: String, audit: @Sendable (isolated PostgresConnection, _ tenant: String) throws -> Void = { _, _ in }) async throws -> Bool {
        try await connection.withTransaction { connection in
            let tenant = try connection.query("SELECT tenant_id FROM public.tenant_logins WHERE login = \(login)").first?
                .decode("tenant_id", as: String.self)
            let revoked = try connection.query("SELECT sluice_bi_revoke(\(login)) AS revoked")[0].decode("revoked", as: Bool.self)
            if revoked, let tenant { try audit(connection, tenant) }
            return revoked
        }
    }

    public func list() async throws -> [Login] {
        try await connection.query("""
            SELECT l.login::text AS login, l.tenant_id, l.created_at, COALESCE(r.rolconnlimit, 0) AS connection_limit,
                   r.rolname IS NOT NULL AS role_exists
            FROM tenant_logins AS l LEFT JOIN pg_roles AS r ON r.rolname = l.login
            ORDER BY l.tenant_id, l.login
            """).map { row in
            Login(login: try row.decode("login", as: String.self), tenant: try row.decode("tenant_id", as: String.self),
                  connectionLimit: try row.decode("connection_limit", as: Int.self),
                  createdAt: try row.decode("created_at", as: PostgresTimestamp.self),
                  roleExists: try row.decode("role_exists", as: Bool.self))
        }
    }
}
