import Postgres

/// The monthly partitions of `events`.
public struct PartitionManager: Sendable {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// One partition as `sluice partitions list` shows it.
    public struct Partition: Sendable, Equatable {
        public var name: String
        public var from: PostgresTimestamp
        public var to: PostgresTimestamp
        public var rowEstimate: Int64
        public var totalBytes: Int64
    }

    /// Makes sure the partitions for the current UTC month and `monthsAhead` following months exist.
    /// Idempotent and safe when run concurrently (see `sql/event_partition_function.sql`).
    /// - Returns: each month's partition name and whether this call created it.
    public func ensure(monthsAhead: Int, now: PostgresTimestamp = .now()) async throws -> [(name: String, created: Bool)] {
        let rows = try await connection.withTransaction { connection in
            try connection.query("""
                SELECT p.partition_name, p.created
                FROM generate_series(0, \(monthsAhead)) AS m(n)
                CROSS JOIN LATERAL sluice_ensure_event_partition(
                    (date_trunc('month', \(now) AT TIME ZONE 'UTC') + m.n * interval '1 month') AT TIME ZONE 'UTC'
                ) AS p
                ORDER BY m.n
                """)
        }
        return try rows.map { (try $0.decode("partition_name", as: String.self), try $0.decode("created", as: Bool.self)) }
    }

    /// Every partition, oldest first.
    public func list() async throws -> [Partition] {
        try await connection.query("""
            SELECT partition_name, range_from, range_to, row_estimate, total_bytes
            FROM public.sluice_event_partitions ORDER BY range_from
            """).map { row in
            Partition(
                name: try row.decode("partition_name", as: String.self),
                from: try row.decode("range_from", as: PostgresTimestamp.self),
                to: try row.decode("range_to", as: PostgresTimestamp.self),
                rowEstimate: try row.decode("row_estimate", as: Int64.self),
                totalBytes: try row.decode("total_bytes", as: Int64.self)
            )
        }
    }
}
