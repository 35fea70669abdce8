import Foundation
import Postgres
import Testing
import TestSupport
@testable import Warehouse

@Suite("Schema: seed 003 §5 tables")
struct SchemaTests {
    /// Every table of seed 003 §5 with every listed column and its type.
    static let seedColumns: [String: [(String, String)]] = [
        "events": [
            ("id", "bigint"), ("type", "character varying(64)"), ("occurred_at", "timestamp with time zone"),
            ("received_at", "timestamp with time zone"), ("producer", "character varying(255)"),
            ("source_service", "character varying(255)"), ("user_id", "character varying(255)"),
            ("order_id", "character varying(255)"), ("session_id", "character varying(255)"),
            ("trace_id", "character varying(255)"), ("idempotency_key", "character varying(255)"),
            ("tenant_id", "character varying(64)"), ("data_json", "jsonb"),
        ],
        "batch_operations": [
            ("id", "bigint"), ("batch_id", "character varying(255)"), ("status", "character varying(32)"),
            ("total_events", "integer"), ("created_at", "timestamp with time zone"),
            ("updated_at", "timestamp with time zone"), ("tracking_url", "text"),
        ],
        "compliance_audit_logs": [
            ("id", "bigint"), ("timestamp", "timestamp with time zone"), ("user_id", "character varying(255)"),
            ("action", "character varying(64)"), ("resource", "text"), ("ip_address", "character varying(64)"),
            ("user_agent", "text"), ("data_classification", "character varying(64)"), ("flags", "text[]"),
        ],
        "gdpr_export_requests": [
            ("id", "bigint"), ("request_id", "character varying(255)"), ("user_id", "character varying(255)"),
            ("status", "character varying(32)"), ("created_at", "timestamp with time zone"),
            ("completed_at", "timestamp with time zone"), ("download_url", "text"),
        ],
        "api_keys": [
            ("id", "bigint"), ("key_hash", "text"), ("service", "character varying(255)"), ("scopes", "text[]"),
            ("created_at", "timestamp with time zone"), ("rotated_at", "timestamp with time zone"),
        ],
        "rate_limits": [("id", "bigint"), ("key_id", "bigint"), ("limit", "integer"), ("window", "interval"), ("created_at", "timestamp with time zone")],
        "data_retention_policies": [("id", "bigint"), ("category", "character varying(64)"), ("ttl_days", "integer")],
        "ml_models": [("id", "bigint"), ("name", "character varying(255)"), ("version", "character varying(64)"), ("uri", "text"), ("created_at", "timestamp with time zone")],
    ]

    @Test("every seed table exists with every listed column and type")
    func seedTablesAndColumns() async throws {
        try await TestDatabase.withFreshConnection { connection, _ in
            _ = try await Migrator(files: SchemaFixture.files).run(on: connection)
            for (table, columns) in Self.seedColumns {
                let rows = try await connection.query("""
                    SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
                    FROM pg_attribute a WHERE a.attrelid = to_regclass(\(table)) AND a.attnum > 0 AND NOT a.attisdropped
                    """)
                var actual: [String: String] = [:]
                for row in rows { actual[try row.decode("name", as: String.self)] = try row.decode("type", as: String.self) }
                #expect(!actual.isEmpty, "table \(table) is missing")
                for (column, type) in columns {
                    #expect(actual[column] == type, "\(table).\(column): expected \(type), found \(actual[column] ?? "nothing")")
                }
            }
        }
    }

    @Test("events is range-partitioned on occurred_at with the required indexes, no default partition, no triggers")
    func eventsPartitioning() async throws {
        try await TestDatabase.withFreshConnection { connection, _ in
            _ = try await Migrator(files: SchemaFixture.files).run(on: connection)
            let key = try await connection.query("SELECT pg_get_partkeydef('events'::regclass) AS key")[0].decode("key", as: String.self)
            #expect(key == "RANGE (occurred_at)")
            let pk = try await connection.query("""
                SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'events'::regclass AND contype = 'p'
                """)[0].decode("def", as: String.self)
            #expect(pk == "PRIMARY KEY (tenant_id, id, occurred_at)")
            let indexes = try await connection.query("SELECT indexdef FROM pg_indexes WHERE tablename = 'events'").map {
                try $0.decode("indexdef", as: String.self)
            }
            for expected in [
                "(occurred_at DESC)", "(type, occurred_at)", "(user_id, occurred_at)", "(order_id, occurred_at)",
                "USING gin (data_json jsonb_path_ops)",
            ] {
                #expect(indexes.contains { $0.hasSuffix(expected) }, "missing index \(expected) in \(indexes)")
            }
            let triggers = try await connection.query("SELECT count(*) AS n FROM pg_trigger WHERE tgrelid = 'events'::regclass")[0]
            #expect(try triggers.decode("n", as: Int.self) == 0)
            let defaultPartition = try await connection.query("SELECT partdefid = 0 AS none FROM pg_partitioned_table WHERE partrelid = 'events'::regclass")[0]
            #expect(try defaultPartition.decode("none", as: Bool.self))
            // Without a partition for its month, a row is refused rather than parked.
            let error = await #expect(throws: PostgresError.self) {
                try await connection.query("""
                    INSERT INTO events (type, occurred_at, tenant_id, data_json, contract) VALUES ('cart', '1999-01-01Z', 't', '{}', 'pocm')
                    """)
            }
            #expect(error?.sqlState == "23514")
        }
    }

    @Test("retention policies are seeded with the documented categories")
    func retentionDefaults() async throws {
        try await TestDatabase.withFreshConnection { connection, _ in
            _ = try await Migrator(files: SchemaFixture.files).run(on: connection)
            let categories = try await connection.query("SELECT category FROM data_retention_policies ORDER BY category").map {
                try $0.decode("category", as: String.self)
            }
            #expect(categories == ["batch_operations", "behavioural", "compliance_audit_logs", "event_idempotency_keys", "gdpr_export_files", "gdpr_export_requests",
                                   "load_checkpoints", "medical", "operational", "pii", "rejected_events", "suppression_tombstones", "transactional"])
            let docs = try String(contentsOf: SchemaFixture.repositoryRoot.appendingPathComponent("docs/operations.md"), encoding: .utf8)
            for category in categories { #expect(docs.contains("`\(category)`"), "docs/operations.md does not document \(category)") }
        }
    }
}
