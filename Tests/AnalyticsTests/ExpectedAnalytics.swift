import Testing
import EventContracts
import Foundation
import Postgres

/// The metrics of docs/metrics.md computed in Swift from the raw lines a test generated, without
/// any of the refresh's SQL: the independent answer the analytics tables must match.
struct ExpectedAnalytics {
    /// One event as the test understands it from its line.
    struct Event {
        var contract: Contract
        var type: String
        var occurredAt: Int64  // µs since the epoch
        var day: String
        var ownUser: String?
        var aliasKind: String?
        var alias: String?
        var payload: [String: Any]
    }

    static let blocked: Set<String> = ["", "null", "undefined", "anonymous", "0", "-1"]
    static let maxUsersPerAlias = 5

    var events: [Event] = []

    /// Reads the lines of one contract (as loaded for one tenant).
    mutating func add(_ lines: [String], contract: Contract) throws {
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            events.append(try Self.event(object, contract: contract))
        }
    }

    static func identity(_ value: Any?) -> String? {
        let text: String?
        switch value {
        case let string as String: text = string
        case let number as NSNumber: text = number.stringValue
        default: text = nil
        }
        guard let text, !blocked.contains(text.trimmingCharacters(in: .whitespaces).lowercased()) else { return nil }
        return text
    }

    static func event(_ object: [String: Any], contract: Contract) throws -> Event {
        switch contract {
        case .pocm:
            let time = try #require(object["occurred_at"] as? String)
            return Event(contract: contract, type: try #require(object["type"] as? String), occurredAt: try micros(time), day: String(time.prefix(10)),
                         ownUser: identity(object["user_id"]), aliasKind: "session_id", alias: identity(object["session_id"]),
                         payload: object["data"] as? [String: Any] ?? [:])
        case .ingestionAPI:
            let payload = object["payload"] as? [String: Any] ?? [:]
            let time = try #require(object["timestamp"] as? String, "the test keeps only ingestion-api lines with a timestamp")
            return Event(contract: contract, type: try #require(object["event_type"] as? String), occurredAt: try micros(time),
                         day: String(time.prefix(10)), ownUser: identity(payload["userId"]), aliasKind: nil, alias: nil, payload: payload)
        case .growthos:
            let time = try #require(object["timestamp"] as? String, "the test keeps only growthos lines with a timestamp")
            // Product ingestion (productId, no profile) is typed product_ingestion.
            return Event(contract: contract, type: object["eventName"] as? String ?? "product_ingestion", occurredAt: try micros(time),
                         day: String(time.prefix(10)), ownUser: identity(object["userId"]), aliasKind: "profile_id",
                         alias: identity(object["profileId"]), payload: object)
        case .platform:
            let time = try #require(object["timestamp"] as? String)
            return Event(contract: contract, type: try #require(object["event_name"] as? String), occurredAt: try micros(time),
                         day: String(time.prefix(10)), ownUser: identity(object["user_id"]), aliasKind: "session_id",
                         alias: identity(object["session_id"]), payload: object)
        case .recs:
            let time = try #require(object["timestamp"] as? String)
            return Event(contract: contract, type: try #require(object["eventType"] as? String), occurredAt: try micros(time),
                         day: String(time.prefix(10)), ownUser: identity(object["userId"]), aliasKind: "anon_id",
                         alias: identity(object["anonId"]), payload: object)
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS[.f…]Z` to µs (the generator writes UTC).
    static func micros(_ text: String) throws -> Int64 {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64 { Int64(String(decoding: bytes[range], as: UTF8.self)) ?? -1 }
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { throw CocoaError(.formatting) }
        let days = CivilDate.daysSinceUnixEpoch(year: number(0..<4), month: number(5..<7), day: number(8..<10))
        var micro = (days * 86_400 + number(11..<13) * 3600 + number(14..<16) * 60 + number(17..<19)) * 1_000_000
        if bytes[19] == UInt8(ascii: ".") {
            let digits = String(decoding: bytes[20..<(bytes.count - 1)], as: UTF8.self)
            let padded = (digits + "000000").prefix(6)
            micro += Int64(padded) ?? 0
        }
        return micro
    }

    // MARK: - Identities

    /// alias (kind, alias) → the user it links to; frozen aliases map to nil.
    var links: [String: String?] {
        var pairs: [String: [String: Int64]] = [:]  // alias key → user → last seen
        for event in events {
            guard let kind = event.aliasKind, let alias = event.alias, let user = event.ownUser else { continue }
            let key = "\(kind)|\(alias)"
            pairs[key, default: [:]][user] = max(pairs[key]?[user] ?? .min, event.occurredAt)
        }
        var result: [String: String?] = [:]
        for (key, users) in pairs {
            result[key] = users.count > Self.maxUsersPerAlias ? nil : users.max { ($0.value, $0.key) < ($1.value, $1.key) }?.key
        }
        return result
    }

    func canonicalUser(_ event: Event, links: [String: String?]) -> String? {
        if let own = event.ownUser { return own }
        guard let kind = event.aliasKind, let alias = event.alias, let link = links["\(kind)|\(alias)"] else { return nil }
        return link
    }

    // MARK: - Metrics

    /// kpi_daily as [metric: [day: value]], every metric of docs/metrics.md.
    func kpis() -> [String: [String: Decimal]] {
        let links = self.links
        var result: [String: [String: Decimal]] = [:]
        var active: [String: Set<String>] = [:]
        var firstSeen: [String: Int64] = [:]
        func add(_ metric: String, _ day: String, _ value: Decimal) { result[metric, default: [:]][day, default: 0] += value }
        for event in events {
            add("events", event.day, 1)
            for metric in ["orders_completed", "searches", "zero_result_searches"] { add(metric, event.day, 0) }
            if let user = canonicalUser(event, links: links) {
                active[event.day, default: []].insert(user)
                firstSeen[user] = min(firstSeen[user] ?? .max, event.occurredAt)
            }
            guard event.contract == .pocm else { continue }
            let data = event.payload
            switch event.type {
            case "checkout" where data["checkout_status"] as? String == "completed":
                add("orders_completed", event.day, 1)
            case "search":
                add("searches", event.day, 1)
                let zero = (data["zero_result_flag"] as? Bool ?? false) || (data["results_returned"] as? NSNumber)?.intValue == 0
                if zero { add("zero_result_searches", event.day, 1) }
            case "payment":
                guard let currency = data["currency"] as? String else { break }
                let status = data["payment_status"] as? String
                if status == "captured", let amount = Self.decimal(data["amount"]) {
                    add("revenue_captured:\(currency)", event.day, amount)
                }
                if status == "refunded" || status == "partially_refunded",
                   let refund = Self.decimal(data["refund_amount"]) ?? Self.decimal(data["amount"]) {
                    add("refunds:\(currency)", event.day, refund)
                }
            default:
                break
            }
        }
        for day in Set(events.map(\.day)) {
            result["active_users", default: [:]][day] = Decimal(active[day]?.count ?? 0)
            result["new_users", default: [:]][day] = 0
        }
        for (_, first) in firstSeen {
            result["new_users", default: [:]][Self.day(first), default: 0] += 1
        }
        return result
    }

    /// The funnel step a pocm event is, if any.
    static func funnelStep(_ event: Event) -> String? {
        guard event.contract == .pocm else { return nil }
        let data = event.payload
        switch (event.type, data["action"] as? String, data["checkout_status"] as? String, data["payment_status"] as? String) {
        case ("cart", "item_added", _, _): return "cart_item_added"
        case ("checkout", _, "started", _): return "checkout_started"
        case ("checkout", _, "completed", _): return "checkout_completed"
        case ("payment", _, _, "captured"): return "payment_captured"
        default: return nil
        }
    }

    /// funnel_step as [step: [day: count]].
    func funnel() -> [String: [String: Int]] {
        var result: [String: [String: Int]] = [:]
        for event in events {
            if let step = Self.funnelStep(event) { result[step, default: [:]][event.day, default: 0] += 1 }
        }
        return result
    }

    /// funnel_conversion's users: step → distinct canonical users who ever reached it.
    func funnelUsers() -> [String: Int] {
        let links = self.links
        var users: [String: Set<String>] = [:]
        for event in events {
            if let step = Self.funnelStep(event), let user = canonicalUser(event, links: links) { users[step, default: []].insert(user) }
        }
        return users.mapValues(\.count)
    }

    /// inventory_daily as "product|warehouse|day" → (stock_level, sold, returns, stockouts).
    func inventory() -> [String: [Int64]] {
        var last: [String: (Int64, Int64)] = [:]
        var result: [String: [Int64]] = [:]
        for event in events where event.contract == .pocm && event.type == "inventory" {
            let data = event.payload
            guard let product = data["product_id"] as? String, let warehouse = data["warehouse_id"] as? String,
                  let stock = (data["stock_level"] as? NSNumber)?.int64Value else { continue }
            let key = "\(product)|\(warehouse)|\(event.day)"
            var row = result[key] ?? [0, 0, 0, 0]
            if event.occurredAt >= last[key]?.0 ?? .min {
                last[key] = (event.occurredAt, stock)
                row[0] = stock
            }
            let quantity = abs((data["quantity_changed"] as? NSNumber)?.int64Value ?? 0)
            if data["action"] as? String == "sale" { row[1] += quantity }
            if data["action"] as? String == "return" { row[2] += quantity }
            if stock == 0 { row[3] += 1 }
            result[key] = row
        }
        return result
    }

    /// device_metrics as "type|day" → (activation, adherence, dosage_success, adverse_count), the
    /// shares as Doubles (nil when undefined).
    func deviceMetrics() -> [String: (activation: Int, adherence: Double?, dosageSuccess: Double?, adverse: Int)] {
        let deviceTypes: Set<String> = ["device_activation", "dosage_delivery", "adverse_event", "patch_application", "sensor_reading"]
        var firstActivation: [String: (Int64, String)] = [:]
        for event in events where event.contract == .pocm && event.type == "device_activation" {
            guard let device = event.payload["device_id"] as? String, let type = event.payload["device_type"] as? String else { continue }
            if event.occurredAt < firstActivation[device]?.0 ?? .max { firstActivation[device] = (event.occurredAt, type) }
        }
        var activation: [String: Int] = [:], adverse: [String: Int] = [:], deliveries: [String: (ok: Int, all: Int)] = [:]
        var devices: [String: [String: Bool]] = [:]  // key → device → dosed
        for event in events where event.contract == .pocm && deviceTypes.contains(event.type) {
            guard let device = event.payload["device_id"] as? String else { continue }
            let type = event.type == "device_activation" ? (event.payload["device_type"] as? String ?? "unknown")
                                                          : (firstActivation[device]?.1 ?? "unknown")
            let key = "\(type)|\(event.day)"
            var dosed = devices[key]?[device] ?? false
            switch event.type {
            case "device_activation": activation[key, default: 0] += 1
            case "adverse_event": adverse[key, default: 0] += 1
            case "dosage_delivery":
                let success = event.payload["delivery_success"] as? Bool ?? false
                deliveries[key, default: (0, 0)].all += 1
                if success {
                    deliveries[key, default: (0, 0)].ok += 1
                    dosed = true
                }
            default: break
            }
            devices[key, default: [:]][device] = dosed
        }
        var result: [String: (Int, Double?, Double?, Int)] = [:]
        for (key, perDevice) in devices {
            let adherence = Double(perDevice.values.filter { $0 }.count) / Double(perDevice.count)
            let dosage = deliveries[key].map { Double($0.ok) / Double($0.all) }
            result[key] = (activation[key] ?? 0, adherence, dosage, adverse[key] ?? 0)
        }
        return result
    }

    /// dim_users essentials: user → (first seen µs, last seen µs, events, user_type).
    func users() -> [String: (first: Int64, last: Int64, events: Int, userType: String?)] {
        let links = self.links
        var result: [String: (Int64, Int64, Int, String?)] = [:]
        var userTypeAt: [String: Int64] = [:]
        for event in events {
            guard let user = canonicalUser(event, links: links) else { continue }
            var row = result[user] ?? (.max, .min, 0, nil)
            row.0 = min(row.0, event.occurredAt)
            row.1 = max(row.1, event.occurredAt)
            row.2 += 1
            if event.contract == .pocm, event.type == "user", event.ownUser == user, let type = event.payload["user_type"] as? String,
               event.occurredAt >= userTypeAt[user] ?? .min {
                userTypeAt[user] = event.occurredAt
                row.3 = type
            }
            result[user] = row
        }
        return result
    }

    static func decimal(_ value: Any?) -> Decimal? {
        guard let number = value as? NSNumber else { return nil }
        return Decimal(string: number.stringValue)
    }

    static func day(_ micros: Int64) -> String {
        let days = micros >= 0 ? micros / 86_400_000_000 : (micros - 86_399_999_999) / 86_400_000_000
        let (year, month, day) = CivilDate.fromDaysSinceUnixEpoch(days)
        return String(format: "%04d-%02d-%02d", year, month, day)
    }
}
