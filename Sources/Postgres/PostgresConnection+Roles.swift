import CLibPQ

extension PostgresConnection {
    /// Acts as the group role `role` when this login is a member of it and is neither a superuser
    /// nor BYPASSRLS itself: role attributes such as BYPASSRLS are not inherited through membership,
    /// so a member gets them only by `SET ROLE`. Returns whether it switched.
    ///
    /// `role` is a name this program spells (a `StaticString`), never input.
    @discardableResult
    public func adoptGroupRole(_ role: StaticString) throws(PostgresError) -> Bool {
        let name = role.description
        let rows = try query("""
            SELECT (r.rolsuper OR r.rolbypassrls) AS privileged,
                   CASE WHEN to_regrole(\(name)::text) IS NULL THEN false
                        ELSE pg_has_role(session_user, \(name)::text, 'MEMBER') END AS member
            FROM pg_roles AS r WHERE r.rolname = current_user
            """)
        guard let row = rows.first,
              try row.decode("privileged", as: Bool.self) == false,
              try row.decode("member", as: Bool.self) == true else { return false }
        try execute(unsafeSQL: "SET ROLE \(name)")
        return true
    }

    /// Sets the tenant row-level security lets this session see (`sluice.tenant`), for the
    /// session: for connections this program owns (a pooled connection would set it per
    /// transaction instead).
    public func setSessionTenant(_ tenant: String) throws(PostgresError) {
        try query("SELECT set_config('sluice.tenant', \(tenant), false)")
    }
}

extension PostgresConnection {
    /// The SCRAM-SHA-256 verifier of `password` for role `user`, computed here by libpq, so a
    /// `CREATE ROLE … PASSWORD` never sends (or logs) the password itself.
    public func scramVerifier(password: String, user: String) throws(PostgresError) -> String {
        let conn = try requireHandle()
        guard let encrypted = PQencryptPasswordConn(conn, password, user, "scram-sha-256") else {
            let reason = PQerrorMessage(conn).map { String(cString: $0) } ?? "unknown error"
            throw PostgresError(code: .badResult, message: "could not compute the password verifier: \(reason)", endpoint: endpoint)
        }
        defer { PQfreemem(encrypted) }
        return String(cString: encrypted)
    }
}
