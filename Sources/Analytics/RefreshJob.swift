import Foundation
import Postgres

/// What one `sluice refresh` did, per analytics object.
public struct RefreshReport: Sendable, Equatable {
    /// One object's part of the refresh: what changed in its own table (docs/metrics.md, "What a
    /// refresh reports"). Incrementally, each row that changed counts once: `inserted` rows whose
    /// key was not there, `updated` rows whose values changed, `deleted` rows that are gone; a row
    /// recomputed equal to what was there counts nowhere. A full rebuild empties the table first:
    /// `deleted` is the rows it held, `inserted` the rows it holds now (dim_date, which is kept,
    /// counts its changes). The bookkeeping tables (identity_pairs, user_days, …) are not counted.
    public struct Object: Sendable, Equatable {
        /// The table, in schema `analytics`: dim_date, identity_links, dim_devices, dim_users,
        /// kpi_daily, funnel_step, inventory_daily or device_metrics.
        public var name: String
        public var inserted: Int64
        public var updated: Int64
        public var deleted: Int64
        /// Seconds of the step that maintains it, its bookkeeping tables included.
        public var seconds: Double

        public init(name: String, inserted: Int64, updated: Int64, deleted: Int64, seconds: Double) {
            self.name = name
            self.inserted = inserted
            self.updated = updated
            self.deleted = deleted
            self.seconds = seconds
        }

        /// Rows that changed: inserted + updated + deleted.
        public var changed: Int64 { inserted + updated + deleted }
    }

    public var full: Bool
    /// (tenant, day) buckets marked dirty by loads (every bucket with events, for a full rebuild).
    public var buckets: Int
    /// Buckets recomputed: the dirty ones and those their changes reached (moved identity links,
    /// late device activations).
    public var daysRecomputed: Int
    /// Events read from `events` for those days, and the seconds it took.
    public var eventsRead: Int64
    public var readSeconds: Double
    /// Seconds paused between steps because loads were writing events (`--yield-to-loads`);
    /// included in `seconds` and in the objects' seconds.
    public var yieldedSeconds: Double
    public var objects: [Object]
    /// Seconds the refresh worked, from taking the refresh lock to its COMMIT (not the wait for
    /// the lock).
    public var seconds: Double
    /// Seconds spent waiting for another refresh to release the lock before this one could start
    /// (0 when the lock was free).
    public var waitedSeconds: Double
    /// Another refresh held the lock when this one started, and it waited.
    public var waitedForLock: Bool

    /// The `--json` object: `full, buckets, days_recomputed, events_read, read_seconds,
    /// yielded_seconds, waited_seconds, seconds, objects: [{object, inserted, updated, deleted,
    /// buckets, seconds}]`.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(JSONShape(self))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The `--json` object of a refresh that failed or was stopped: `{error, interrupted_by?}`,
    /// where `error` says what happened and what to do (``RefreshFailure``).
    public static func failureJSON(_ message: String, interruptedBy signal: String? = nil) -> String {
        struct FailureShape: Encodable {
            var error: String
            var interrupted_by: String?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(FailureShape(error: message, interrupted_by: signal))) ?? Data(#"{"error":"refresh failed"}"#.utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Seconds rounded to milliseconds, as every report prints them.
    static func rounded(_ seconds: Double) -> Double {
        (seconds * 1000).rounded() / 1000
    }

    private struct JSONShape: Encodable {
        struct ObjectShape: Encodable {
            var object: String
            var inserted: Int64
            var updated: Int64
            var deleted: Int64
            var buckets: Int
            var seconds: Double
        }
        var full: Bool
        var buckets: Int
        var days_recomputed: Int
        var events_read: Int64
        var read_seconds: Double
        var yielded_seconds: Double
        var waited_seconds: Double
        var seconds: Double
        var objects: [ObjectShape]

        init(_ report: RefreshReport) {
            full = report.full
            buckets = report.buckets
            days_recomputed = report.daysRecomputed
            events_read = report.eventsRead
            read_seconds = RefreshReport.rounded(report.readSeconds)
            yielded_seconds = RefreshReport.rounded(report.yieldedSeconds)
            waited_seconds = RefreshReport.rounded(report.waitedSeconds)
            seconds = RefreshReport.rounded(report.seconds)
            objects = report.objects.map {
                ObjectShape(object: $0.name, inserted: $0.inserted, updated: $0.updated, deleted: $0.deleted, buckets: report.buckets,
                            seconds: RefreshReport.rounded($0.seconds))
            }
        }
    }
}

/// A failed refresh worded for the operator: what happened and what to do about it. A refresh is
/// one transaction: an error the server reports (or a refused connection) means nothing of it was
/// kept and the dirty marks stay.
public struct RefreshFailure: Error, CustomStringConvertible {
    public let description: String

    public init(_ error: any Error) {
        let rolledBack = "nothing was changed (the analytics tables are as before and the dirty marks stay for the next refresh)"
        guard let error = error as? PostgresError else {
            description = "\(error); run `sluice refresh` again: it does whatever is still marked"
            return
        }
        // A refused connection's description already says what to do (Postgres module).
        guard error.code != .connectionFailed else {
            description = "\(error.description); \(rolledBack)"
            return
        }
        // A connection that broke (or a report that could not be read) may have been at COMMIT.
        guard error.code == .server else {
            description = "\(error.description): run `sluice refresh` again once the server is reachable; it does whatever this "
                + "refresh did not commit (a refresh that broke before its COMMIT was rolled back)"
            return
        }
        let role = error.endpoint.flatMap(Self.user(of:)).map { "\"\($0)\"" } ?? "this login"
        let advice: String
        switch error.sqlState ?? "" {
        case "42501":
            advice = "role \(role) may not refresh the analytics schema: connect as a login that is a member of sluice_refresher "
                + "(as the owner: GRANT sluice_refresher TO \(role)), or as the role that ran `sluice migrate`"
        case "3F000", "42P01", "42883", "42703":
            advice = "this database is not migrated for this version of sluice: run `sluice migrate` (as the owner) first"
        case "25006":
            advice = "the server is read-only (a standby?): point DATABASE_URL at the primary"
        case "57014":
            advice = "the server cancelled it (statement_timeout, or pg_cancel_backend from another session): if \(role) has a "
                + "statement_timeout, lift it for this login (ALTER ROLE \(role) SET statement_timeout = 0) and run `sluice refresh` again"
        default:
            advice = error.recovery == .retry || error.isConnectionFailure
                ? "a passing condition of the server: run `sluice refresh` again"
                : "fix the cause and run `sluice refresh` again"
        }
        description = "\(error.description): \(advice); \(rolledBack)"
    }

    /// The user of a `postgres://user@host:port/db` endpoint (PostgresError.endpoint never holds a
    /// password).
    static func user(of endpoint: String) -> String? {
        guard let scheme = endpoint.range(of: "://"), let at = endpoint[scheme.upperBound...].firstIndex(of: "@") else { return nil }
        let user = endpoint[scheme.upperBound..<at]
        return user.isEmpty ? nil : String(user)
    }
}

/// Runs `sluice refresh`: `analytics.refresh(full)` (sql/analytics_refresh.sql) in one REPEATABLE
/// READ transaction, one refresh at a time.
///
/// The advisory lock is taken on the session before the transaction begins: a refresh that waited
/// for another must see what the other committed (its snapshot starts after the wait). Loads never
/// wait for a refresh: they only append dirty marks, and the refresh deletes exactly the marks it
/// read.
public struct RefreshJob: Sendable {
    /// Advisory lock key of `sluice refresh` ("refresh" in ASCII).
    static let lockKey: Int64 = 0x72_6566_7265_7368

    public let connectionString: String

    public init(connectionString: String) {
        self.connectionString = connectionString
    }

    /// Refreshes the analytics tables: the dirty buckets, or everything when `full`. While loads
    /// write events, the refresh pauses up to `yieldRatio` times the seconds it just worked between
    /// its steps, until no load runs (0: never).
    /// - Parameter progress: one line when it has to wait for another refresh.
    /// `onBackend` receives the server process id of the refresh's session once connected: what
    /// `cancel(backend:)` stops.
    public func run(full: Bool, yieldRatio: Double = 0, onBackend: @Sendable (Int32) -> Void = { _ in },
                    progress: @Sendable (String) -> Void = { _ in }) async throws -> RefreshReport {
        let connection = try await PostgresConnection.connect(connectionString)
        do {
            onBackend(try await connection.query("SELECT pg_backend_pid() AS pid")[0].decode("pid", as: Int32.self))
            // Work tables live in memory where they fit; sorts and hashes for the full rebuild too.
            // No JIT: the refresh's many short statements over large estimated row counts paid seconds
            // of LLVM compilation each for nothing (measured: a 0-row statement took 1.9 s).
            // A full rebuild builds its indexes by sorting (512 MB keeps a million-row sort in memory),
            // on one core: the other stays with the loads.
            // random_page_cost 1.1 (the usual SSD setting): an incremental refresh probes the analytics
            // tables' indexes for the few thousand aliases and users its new events touch; at the
            // default 4.0 the planner hashed whole million-row tables instead (measured 0.3 s each).
            try await connection.execute(unsafeSQL: """
                SET temp_buffers = '256MB'; SET work_mem = '128MB'; SET jit = off; SET random_page_cost = 1.1;
                SET maintenance_work_mem = '512MB'; SET max_parallel_maintenance_workers = 0
                """)
            // A member of sluice_refresher acts as it: one refresh reads and writes every tenant's
            // rows, which row-level security would otherwise hide (its BYPASSRLS is not inherited).
            try await connection.adoptGroupRole("sluice_refresher")
            // The wait for another refresh is reported apart from the work: a refresh that waited a
            // minute behind a long rebuild did not take a minute itself.
            let waitStarted = ContinuousClock.now
            let gotLock = try await connection.query("SELECT pg_try_advisory_lock(\(Self.lockKey)) AS locked")[0].decode("locked", as: Bool.self)
            if !gotLock {
                progress("another `sluice refresh` is running; waiting for it to finish")
                try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))")
            }
            let waited = gotLock ? Duration.zero : waitStarted.duration(to: .now)
            let started = ContinuousClock.now
            let rows = try await connection.withTransaction { connection in
                try connection.execute(unsafeSQL: "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                return try connection.query("""
                    SELECT object, buckets, inserted, updated, deleted, seconds::float8 AS seconds, days_recomputed, events_read,
                           read_seconds::float8 AS read_seconds, yielded_seconds::float8 AS yielded_seconds
                    FROM analytics.refresh(\(full), \(yieldRatio)::numeric)
                    """)
            }
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
            await connection.close()
            var report = RefreshReport(full: full, buckets: 0, daysRecomputed: 0, eventsRead: 0, readSeconds: 0, yieldedSeconds: 0, objects: [],
                                       seconds: 0, waitedSeconds: Self.seconds(waited), waitedForLock: !gotLock)
            for row in rows {
                report.buckets = try row.decode("buckets", as: Int.self)
                report.daysRecomputed = try row.decode("days_recomputed", as: Int.self)
                report.eventsRead = try row.decode("events_read", as: Int64.self)
                report.readSeconds = try row.decode("read_seconds", as: Double.self)
                report.yieldedSeconds = try row.decode("yielded_seconds", as: Double.self)
                report.objects.append(.init(name: try row.decode("object", as: String.self),
                                            inserted: try row.decode("inserted", as: Int64.self),
                                            updated: try row.decode("updated", as: Int64.self),
                                            deleted: try row.decode("deleted", as: Int64.self),
                                            seconds: try row.decode("seconds", as: Double.self)))
            }
            report.seconds = Self.seconds(started.duration(to: .now))
            return report
        } catch {
            await connection.close()
            throw error
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Cancels the statement a refresh's session (`backend`, from `run`'s `onBackend`) is running,
    /// from a second session of the same login: the refresh's transaction rolls back at once and
    /// its lock is released, instead of the server finishing the work for a client that left.
    public func cancel(backend: Int32) async throws {
        let connection = try await PostgresConnection.connect(connectionString)
        do {
            try await connection.query("SELECT pg_cancel_backend(\(backend))")
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
    }
}
