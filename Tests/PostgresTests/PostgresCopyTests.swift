import Foundation
import Postgres
import Testing
import TestSupport

@Suite("Binary COPY")
struct PostgresCopyTests {
    static let createTable = """
        CREATE TABLE copied (
            id int8 NOT NULL, name text, score float8, active bool, at timestamptz, doc jsonb, tags text[], raw bytea, small int4
        )
        """

    @Test("100k rows land exactly")
    func hundredThousandRows() async throws {
        try await TestDatabase.withFreshConnection { connection, _ in
            try await connection.execute(unsafeSQL: Self.createTable)
            let count = 100_000
            let base: Int64 = 1_790_000_000_000_000
            let written = try await connection.copyFromBinary(
                "COPY copied (id, name, score, active, at, doc, tags, raw, small) FROM STDIN WITH (FORMAT binary)",
                chunkSize: 64 * 1024
            ) { writer in
                for index in 0..<count {
                    try writer.beginRow(fieldCount: 9)
                    writer.write(Int64(index))
                    writer.write(index % 7 == 0 ? nil : "name-\(index)-ü")
                    writer.write(Double(index) / 4)
                    writer.write(index % 2 == 0)
                    writer.write(PostgresTimestamp(microsecondsSinceUnixEpoch: base + Int64(index)))
                    writer.writeJSONB(Array(#"{"n":\#(index),"s":"\u00e9"}"#.utf8))
                    writer.write(textArray: ["t\(index % 3)", "x"])
                    [UInt8(index & 0xff), 0, 255].withUnsafeBytes { writer.writeBytea($0) }
                    writer.write(Int32(-index))
                }
            }
            #expect(written == count)

            let rows = try await connection.query("""
                SELECT count(*) AS n, count(name) AS named, sum(id) AS ids, sum(score) AS scores,
                       count(*) FILTER (WHERE active) AS active, min(at) AS first, max(at) AS last,
                       sum((doc->>'n')::int8) AS docs, count(*) FILTER (WHERE doc->>'s' = 'é') AS accents,
                       count(*) FILTER (WHERE tags = ARRAY['t1','x']) AS t1, sum(get_byte(raw, 0)) AS bytes,
                       sum(small) AS smalls
                FROM copied
                """)
            let row = rows[0]
            let n = Int64(count)
            #expect(try row.decode("n", as: Int64.self) == n)
            #expect(try row.decode("named", as: Int64.self) == n - (n + 6) / 7)
            #expect(try row.decode("ids", as: Int64.self) == n * (n - 1) / 2)
            #expect(try row.decode("scores", as: Double.self) == Double(n * (n - 1) / 2) / 4)
            #expect(try row.decode("active", as: Int64.self) == n / 2)
            #expect(try row.decode("first", as: PostgresTimestamp.self).microsecondsSinceUnixEpoch == base)
            #expect(try row.decode("last", as: PostgresTimestamp.self).microsecondsSinceUnixEpoch == base + n - 1)
            #expect(try row.decode("docs", as: Int64.self) == n * (n - 1) / 2)
            #expect(try row.decode("accents", as: Int64.self) == n)
            #expect(try row.decode("t1", as: Int64.self) == (n + 1) / 3)
            #expect(try row.decode("smalls", as: Int64.self) == -(n * (n - 1) / 2))
            let expectedBytes = (0..<count).reduce(0) { $0 + ($1 & 0xff) }
            #expect(try row.decode("bytes", as: Int.self) == expectedBytes)
            // One spot check of a whole row, values compared exactly.
            let one = try await connection.query("SELECT name, tags, raw FROM copied WHERE id = \(Int64(12345))")[0]
            #expect(try one.decode("name", as: String.self) == "name-12345-ü")
            #expect(try one.decode("tags", as: [String].self) == ["t0", "x"])
            #expect(try one.decode("raw", as: PostgresBytes.self).bytes == [UInt8(12345 & 0xff), 0, 255])
        }
    }

    @Test("a COPY whose closure throws leaves nothing behind and reports the caller's error")
    func throwingClosureAbortsCopy() async throws {
        struct StopHere: Error, Equatable { let atRow: Int }
        try await TestDatabase.withFreshConnection { connection, _ in
            try await connection.execute(unsafeSQL: Self.createTable)
            await #expect(throws: StopHere(atRow: 50_000)) {
                try await connection.copyFromBinary("COPY copied (id) FROM STDIN WITH (FORMAT binary)") { writer in
                    for index in 0..<100_000 {
                        if index == 50_000 { throw StopHere(atRow: index) }
                        try writer.beginRow(fieldCount: 1)
                        writer.write(Int64(index))
                    }
                }
            }
            #expect(try await connection.query("SELECT count(*) AS n FROM copied")[0].decode("n", as: Int.self) == 0)
            // The connection is usable afterwards, and a COPY inside a transaction is undone with it.
            struct Later: Error {}
            await #expect(throws: Later.self) {
                try await connection.withTransaction { connection in
                    try connection.copyFromBinary("COPY copied (id) FROM STDIN WITH (FORMAT binary)") { writer in
                        try writer.beginRow(fieldCount: 1)
                        writer.write(Int64(1))
                    }
                    throw Later()
                }
            }
            #expect(try await connection.query("SELECT count(*) AS n FROM copied")[0].decode("n", as: Int.self) == 0)
        }
    }

    @Test("a row the server refuses fails the whole COPY with the server's SQLSTATE")
    func serverRejectsRow() async throws {
        try await TestDatabase.withFreshConnection { connection, _ in
            try await connection.execute(unsafeSQL: Self.createTable)
            let error = await #expect(throws: PostgresError.self) {
                try await connection.copyFromBinary("COPY copied (id) FROM STDIN WITH (FORMAT binary)") { writer in
                    for index in 0..<10 {
                        try writer.beginRow(fieldCount: 1)
                        if index == 5 { writer.writeNull() } else { writer.write(Int64(index)) }
                    }
                }
            }
            #expect(error?.sqlState == "23502")  // not_null_violation
            #expect(try await connection.query("SELECT count(*) AS n FROM copied")[0].decode("n", as: Int.self) == 0)
        }
    }

    @Test("a row with the wrong number of values is refused before it is sent")
    func fieldCountMismatch() async throws {
        try await TestDatabase.withFreshConnection { connection, _ in
            try await connection.execute(unsafeSQL: Self.createTable)
            let error = await #expect(throws: PostgresError.self) {
                try await connection.copyFromBinary("COPY copied (id, name) FROM STDIN WITH (FORMAT binary)") { writer in
                    try writer.beginRow(fieldCount: 2)
                    writer.write(Int64(1))
                    try writer.beginRow(fieldCount: 2)
                }
            }
            #expect(error?.code == .copyFailed)
            #expect(try await connection.query("SELECT count(*) AS n FROM copied")[0].decode("n", as: Int.self) == 0)
        }
    }
}
