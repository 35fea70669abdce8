import Foundation
import Postgres

/// Valid pocm lines for tests, dated in the previous UTC month so they are valid on any day.
public enum TestEvents {
    /// A valid pocm `cart` line with idempotency key `key`.
    public static func cartLine(key: String, day: Int = 10, user: String = "u1", micros: Int = 123456) -> String {
        let month = previousMonthPrefix()
        return #"{"type":"cart","occurred_at":"\#(month)-\#(String(format: "%02d", day))T10:00:00.\#(String(format: "%06d", micros))Z","producer":"web","source_service":"shop","idempotency_key":"\#(key)","user_id":"\#(user)","data":{"cart_id":"c-\#(key)","action":"cart_viewed","cart_total":{"amount":10.5,"currency":"INR"},"cart_abandonment_duration":"PT5M"}}"#
    }

    /// A valid pocm `cart` line without an idempotency key (so only a queue's own ledger can tell a
    /// second delivery); `marker` is its `data.cart_id`.
    public static func unkeyedCartLine(marker: String, day: Int = 10, user: String = "u1") -> String {
        let month = previousMonthPrefix()
        return #"{"type":"cart","occurred_at":"\#(month)-\#(String(format: "%02d", day))T10:00:00.000000Z","producer":"web","source_service":"shop","user_id":"\#(user)","data":{"cart_id":"\#(marker)","action":"cart_viewed","cart_total":{"amount":10.5,"currency":"INR"},"cart_abandonment_duration":"PT5M"}}"#
    }

    /// `YYYY-MM` of the previous UTC month: every day of it is in the past and inside the accepted
    /// window, whatever today's date.
    public static func previousMonthPrefix() -> String {
        let today = PostgresTimestamp.now().microsecondsSinceUnixEpoch / 86_400_000_000
        let (year, month, _) = CivilDate.fromDaysSinceUnixEpoch(today)
        let previous = month == 1 ? (year - 1, Int64(12)) : (year, month - 1)
        return String(format: "%04d-%02d", previous.0, previous.1)
    }

    /// Writes lines (each followed by `terminator`) to a new temporary file.
    public static func writeFile(_ lines: [String], name: String = "input.ndjson", terminator: String = "\n") throws -> URL {
        try writeFile(bytes: Array((lines.joined(separator: terminator) + terminator).utf8), name: name)
    }

    /// Writes bytes, exactly as given, to a new temporary file.
    public static func writeFile(bytes: [UInt8], name: String = "input.ndjson") throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }
}
