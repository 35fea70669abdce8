/// What `sluice status` found, section by section: rendered as text (`StatusText`) or as the
/// `--json` object. A section the login could not read stays nil and is listed in `hidden`.
struct StatusReport: Encodable {
    struct Database: Encodable {
        var endpoint: String
        var server_version: String
        /// Who logged in, and the role the session acts as (a member of sluice_loader or
        /// sluice_refresher acts as its group, as the commands do).
        var login: String
        var role: String
        var bypasses_row_level_security: Bool
        /// The tenant row-level security shows this session, when it applies.
        var tenant: String?
    }

    struct Migrations: Encodable {
        /// `current`, `older`, `unmigrated` or `unreadable`.
        var state: String
        var applied: Int
        var latest: String?
        var latest_applied_at: String?
        var required: Int
    }

    struct Events: Encodable {
        var partitions: Int
        var rows_estimate: Int64
        var bytes: Int64
    }

    struct Loads: Encodable {
        var batches: Int
        var last_batch_at: String?
    }

    struct Rejects: Encodable {
        var waiting: Int
    }

    struct AnalyticsObject: Encodable {
        var object: String
        var refreshed_at: String
        var kind: String
        var inserted: Int64
        var updated: Int64
        var deleted: Int64
    }

    struct Analytics: Encodable {
        /// Nil when the login may not read the dirty marks (BI logins).
        var dirty_buckets: Int?
        var oldest_dirty_day: String?
        var objects: [AnalyticsObject]
    }

    struct Consumer: Encodable {
        var kind: String
        var queue: String
        var group: String
        var tenant: String
        var partitions: Int
        var position: String
        var lag: Int64?
        var updated_at: String
    }

    struct Partition: Encodable {
        var name: String
        var from: String
        var to: String
        var rows_estimate: Int64
        var bytes: Int64
    }

    struct Detail: Encodable {
        struct Loaded: Encodable {
            var tenant: String
            var contract: String
            var type: String
            var events: Int64
        }
        struct RejectReason: Encodable {
            var contract: String
            var field: String
            var reason: String
            var lines: Int64
        }
        struct Day: Encodable {
            var tenant: String
            var day: String
            var events: String
            var active_users: String
            var new_users: String
            var orders: String
        }
        struct FunnelStep: Encodable {
            var tenant: String
            var step: String
            var events: Int64
        }
        var events: [Loaded]?
        var reject_reasons: [RejectReason]?
        var daily: [Day]?
        var funnel: [FunnelStep]?
    }

    /// A section this login may not read (or that this schema version lacks), and why.
    struct Hidden: Encodable {
        var section: String
        var reason: String
    }

    var database: Database?
    var migrations: Migrations?
    var events: Events?
    var loads: Loads?
    var rejects: Rejects?
    var analytics: Analytics?
    var consumers: [Consumer]?
    var partitions: [Partition]?
    var detail: Detail?
    var hidden: [Hidden] = []
    var warnings: [String] = []
    var error: String?

    // Encode nil sections as null, so every key is always present.
    enum CodingKeys: String, CodingKey {
        case database, migrations, events, loads, rejects, analytics, consumers, partitions, detail, hidden, warnings, error
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(database, forKey: .database)
        try container.encode(migrations, forKey: .migrations)
        try container.encode(events, forKey: .events)
        try container.encode(loads, forKey: .loads)
        try container.encode(rejects, forKey: .rejects)
        try container.encode(analytics, forKey: .analytics)
        try container.encode(consumers, forKey: .consumers)
        try container.encode(partitions, forKey: .partitions)
        try container.encode(detail, forKey: .detail)
        try container.encode(hidden, forKey: .hidden)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(error, forKey: .error)
    }
}
