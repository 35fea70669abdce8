import Foundation
import Postgres
import Testing
import TestSupport

@Suite("Postgres connection and queries")
struct PostgresConnectionTests {
    @Test("every decoded type round-trips, including unicode, NULLs and extreme timestamps")
    func roundTripTypes() async throws {
        try await TestDatabase.withFreshConnection { connection, _ in
            try await connection.execute(unsafeSQL: """
                CREATE TABLE samples (
                    t text, i4 int4, i8 int8, f8 float8, n numeric, b bool, ts timestamptz, j jsonb, arr text[]
                )
                """)
            let text = "héllo, 世界 🚀 \"quoted\" \\ back\\slash"
            let timestamps: [PostgresTimestamp] = [
                PostgresTimestamp(microsecondsSinceUnixEpoch: 1_700_000_000_123_456),
                PostgresTimestamp(microsecondsSinceUnixEpoch: -1),  // 1969-12-31T23:59:59.999999Z
                PostgresTimestamp(microsecondsSinceUnixEpoch: -62_135_596_800_000_000),  // 0001-01-01
                PostgresTimestamp(microsecondsSinceUnixEpoch: 9_000_000_000_000_000_000 / 1000),  // year ~287000
                .infinity, .negativeInfinity,
            ]
            for (index, timestamp) in timestamps.enumerated() {
                try await connection.query("""
                    INSERT INTO samples VALUES (\(text), \(Int32(-2_147_483_648)), \(Int64.min + Int64(index)), \(-1.5e-300),
                        \("-12345678901234567890.000000000000000001")::numeric, \(index % 2 == 0), \(timestamp),
                        \(PostgresJSONB(#"{"a": [1, "ü", null], "b": {"c": true}}"#)), \(["x", "ÿ", "", "NULL", "a,b"]))
                    """)
            }
            try await connection.query("INSERT INTO samples VALUES (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)")

            let rows = try await connection.query("SELECT * FROM samples ORDER BY i8 NULLS LAST")
            #expect(rows.count == timestamps.count + 1)
            for (index, row) in rows.prefix(timestamps.count).enumerated() {
                #expect(try row.decode("t", as: String.self) == text)
                #expect(try row.decode("i4", as: Int32.self) == Int32.min)
                #expect(try row.decode("i8", as: Int64.self) == Int64.min + Int64(index))
                #expect(try row.decode("f8", as: Double.self) == -1.5e-300)
                #expect(try row.decode("n", as: String.self) == "-12345678901234567890.000000000000000001")
                #expect(try row.decode("b", as: Bool.self) == (index % 2 == 0))
                #expect(try row.decode("ts", as: PostgresTimestamp.self) == timestamps[index])
                let json = try row.decode("j", as: String.self)
                #expect(json == #"{"a": [1, "ü", null], "b": {"c": true}}"#)
                #expect(try row.decode("arr", as: [String].self) == ["x", "ÿ", "", "NULL", "a,b"])
            }
            let nullRow = rows[timestamps.count]
            for column in rows.columns {
                #expect(nullRow[rows.columns.firstIndex(of: column)!].isNull)
            }
            #expect(try nullRow.decode("t", as: String?.self) == nil)
            #expect(try nullRow.decode("ts", as: PostgresTimestamp?.self) == nil)
            #expect(throws: PostgresError.self) { try nullRow.decode("i4", as: Int32.self) }
        }
    }

    @Test("timestamps agree with the server's own rendering")
    func timestampsMatchServerText() async throws {
        try await TestDatabase.withFreshConnection { connection, _ in
            let cases: [(String, Int64)] = [
                ("2026-11-23 10:00:00.123456+00", 1_795_428_000_123_456),
                ("1969-07-20 20:17:40+00", -14_182_940_000_000),
                ("0001-01-01 00:00:00+00", -62_135_596_800_000_000),
            ]
            for (literal, micros) in cases {
                let rows = try await connection.query("SELECT \(literal)::timestamptz AS ts, \(PostgresTimestamp(microsecondsSinceUnixEpoch: micros))::text AS txt")
                #expect(try rows[0].decode("ts", as: PostgresTimestamp.self).microsecondsSinceUnixEpoch == micros)
                #expect(try rows[0].decode("txt", as: String.self) == literal)
            }
            #expect(PostgresTimestamp(microsecondsSinceUnixEpoch: 1_795_428_000_123_456).description == "2026-11-23T10:00:00.123456Z")
        }
    }

    @Test("numeric is decoded exactly as text", arguments: ["0", "-0.5", "10000", "0.0001", "123456789.987654321", "-1e-20", "NaN"])
    func numericText(literal: String) async throws {
        try await TestDatabase.withFreshConnection { connection, _ in
            let rows = try await connection.query("SELECT \(literal)::numeric AS n, \(literal)::numeric::text AS expected")
            #expect(try rows[0].decode("n", as: String.self) == rows[0].decode("expected", as: String.self))
        }
    }

    @Test("SQL errors carry SQLSTATE, constraint and detail")
    func errorsCarrySQLState() async throws {
        try await TestDatabase.withFreshConnection { connection, _ in
            let missing = await #expect(throws: PostgresError.self) {
                try await connection.query("SELECT * FROM no_such_table")
            }
            #expect(missing?.sqlState == "42P01")
            #expect(missing?.code == .server)
            #expect(missing?.isConnectionFailure == false)
            #expect(missing?.description.contains("no_such_table") == true)

            try await connection.execute(unsafeSQL: "CREATE TABLE keys (k text CONSTRAINT keys_pk PRIMARY KEY)")
            try await connection.query("INSERT INTO keys VALUES (\("a"))")
            let duplicate = await #expect(throws: PostgresError.self) {
                try await connection.query("INSERT INTO keys VALUES (\("a"))")
            }
            #expect(duplicate?.sqlState == "23505")
            #expect(duplicate?.constraint == "keys_pk")
            #expect(duplicate?.detail?.contains("(k)=(a)") == true)
            // The connection is still usable after an error.
            #expect(try await connection.query("SELECT count(*) AS n FROM keys")[0].decode("n", as: Int.self) == 1)
        }
    }

    @Test("a throwing transaction body rolls back and rethrows")
    func transactionRollsBack() async throws {
        struct Boom: Error {}
        try await TestDatabase.withFreshConnection { connection, _ in
            try await connection.execute(unsafeSQL: "CREATE TABLE t (v int)")
            await #expect(throws: Boom.self) {
                try await connection.withTransaction { connection in
                    try connection.query("INSERT INTO t VALUES (\(1))")
                    throw Boom()
                }
            }
            let committed = try await connection.withTransaction { connection in
                try connection.query("INSERT INTO t VALUES (\(2))")
                return try connection.query("SELECT count(*) AS n FROM t")[0].decode("n", as: Int.self)
            }
            #expect(committed == 1)
            #expect(try await connection.query("SELECT array_agg(v)::text AS v FROM t")[0].decode("v", as: String.self) == "{2}")
        }
    }

    @Test("connection refused names the endpoint, says what to do, and never shows the password")
    func connectionRefused() async throws {
        let error = await #expect(throws: PostgresError.self) {
            _ = try await PostgresConnection.connect("postgres://loader:s3cr3t-Pa55@127.0.0.1:1/warehouse")
        }
        let text = error.map { "\($0.description)\n\($0.debugDescription)" } ?? ""
        #expect(error?.code == .connectionFailed)
        #expect(error?.isConnectionFailure == true)
        #expect(text.contains("postgres://loader@127.0.0.1:1/warehouse"))
        #expect(text.contains("connection refused"))
        #expect(text.contains("DATABASE_URL"))
        #expect(!text.contains("s3cr3t"))
    }

    @Test("a malformed connection string is reported without its password")
    func malformedConnectionString() async throws {
        let error = await #expect(throws: PostgresError.self) {
            _ = try await PostgresConnection.connect("host=127.0.0.1 port=notaport password=hunter2secret")
        }
        let text = error.map { "\($0.description)\n\($0.debugDescription)" } ?? ""
        #expect(!text.contains("hunter2secret"))
        #expect(text.contains("port"))
    }

    @Test("a malformed URL is called malformed (not taken for a database name), is not retried, and hides its password", arguments: [
        ("not a url", "neither a postgres:// URL nor key=value"),
        ("mysql://ops:hunter2secret@db.example/warehouse", "scheme is \"mysql\""),
        ("postgres://ops:hunter2secret@127.0.0.1:99999/warehouse", "port \"99999\""),
        ("postgresql://ops:hunter2secret@127.0.0.1:port/warehouse", "port \"port\""),
        ("postgres://ops@[::1/warehouse", "closing ]"),
    ])
    func malformedURL(url: String, reason: String) async throws {
        let error = await #expect(throws: PostgresError.self) {
            _ = try await PostgresConnection.connect(url)
        }
        let text = error.map { "\($0.description)\n\($0.debugDescription)" } ?? ""
        #expect(text.contains("malformed connection string"), "\(text)")
        #expect(text.contains(reason), "\(text)")
        #expect(!text.contains("hunter2secret"))
        #expect(error?.isPermanentConnectionFailure == true)
        #expect(error?.isConnectionFailure == false)
    }

    @Test("well-formed URLs and settings pass the check", arguments: [
        "", "postgres://u@h/db", "postgresql://u:p@h:5432,h2:5433/db?sslmode=require", "postgres:///db", "postgres://[::1]:5432/db",
        "host=/tmp dbname=x", "dbname=x",
    ])
    func wellFormed(text: String) throws {
        try ConnectionString.validate(text)
    }

    @Test("a server shutdown surfaces as a retryable connection failure")
    func terminatedBackendIsConnectionFailure() async throws {
        try await TestDatabase.withFreshConnection { connection, url in
            let pid = try await connection.query("SELECT pg_backend_pid() AS pid")[0].decode("pid", as: Int32.self)
            let killer = try await PostgresConnection.connect(url)
            try await killer.query("SELECT pg_terminate_backend(\(pid))")
            await killer.close()
            let error = await #expect(throws: PostgresError.self) {
                try await connection.query("SELECT 1")
            }
            #expect(error?.isConnectionFailure == true)
        }
    }
}
