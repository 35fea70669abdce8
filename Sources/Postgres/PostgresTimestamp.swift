import Foundation

/// A `timestamptz` instant with PostgreSQL's own precision: microseconds since the Unix epoch, UTC.
///
/// `Date` is a `Double` and loses microseconds far from 1970; this type round-trips every value
/// PostgreSQL can store, including `infinity` and `-infinity`.
public struct PostgresTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microsecondsSinceUnixEpoch: Int64

    /// Seconds between the Unix epoch and PostgreSQL's (2000-01-01T00:00:00Z), in microseconds.
    static let postgresEpochOffset: Int64 = 946_684_800_000_000

    public init(microsecondsSinceUnixEpoch: Int64) {
        self.microsecondsSinceUnixEpoch = microsecondsSinceUnixEpoch
    }

    public init(_ date: Date) {
        self.microsecondsSinceUnixEpoch = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// PostgreSQL's `infinity` / `-infinity` (stored as the extreme `Int64` values).
    public static let infinity = PostgresTimestamp(microsecondsSinceUnixEpoch: .max)
    public static let negativeInfinity = PostgresTimestamp(microsecondsSinceUnixEpoch: .min)

    public static func now() -> PostgresTimestamp { PostgresTimestamp(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(microsecondsSinceUnixEpoch) / 1_000_000) }

    /// Microseconds since 2000-01-01, as PostgreSQL's binary format wants them. Infinities map to
    /// PostgreSQL's sentinels; values whose shift would overflow saturate (the server rejects them).
    var postgresMicroseconds: Int64 {
        if self == .infinity || self == .negativeInfinity { return microsecondsSinceUnixEpoch }
        let (value, overflow) = microsecondsSinceUnixEpoch.subtractingReportingOverflow(Self.postgresEpochOffset)
        return overflow ? .min : value
    }

    init(postgresMicroseconds: Int64) {
        if postgresMicroseconds == .max || postgresMicroseconds == .min {
            self.microsecondsSinceUnixEpoch = postgresMicroseconds
            return
        }
        let (value, overflow) = postgresMicroseconds.addingReportingOverflow(Self.postgresEpochOffset)
        self.microsecondsSinceUnixEpoch = overflow ? .max : value
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.microsecondsSinceUnixEpoch < rhs.microsecondsSinceUnixEpoch
    }

    /// ISO 8601 in UTC with microseconds, e.g. `2026-11-23T10:00:00.123456Z`; years outside
    /// 0000–9999 get a sign (`-0044-03-15T…`, `+294276-…`).
    public var description: String {
        if self == .infinity { return "infinity" }
        if self == .negativeInfinity { return "-infinity" }
        let micros = microsecondsSinceUnixEpoch
        let perDay: Int64 = 86_400_000_000
        var days = micros / perDay
        var rest = micros % perDay
        if rest < 0 { rest += perDay; days -= 1 }
        let (year, month, day) = CivilDate.fromDaysSinceUnixEpoch(days)
        let seconds = rest / 1_000_000
        let fraction = rest % 1_000_000
        let yearText: String
        if (0...9999).contains(year) {
            yearText = Self.pad(year, 4)
        } else {
            yearText = (year < 0 ? "-" : "+") + Self.pad(Swift.abs(year), 4)
        }
        return "\(yearText)-\(Self.pad(month, 2))-\(Self.pad(day, 2))T\(Self.pad(seconds / 3600, 2)):"
            + "\(Self.pad(seconds / 60 % 60, 2)):\(Self.pad(seconds % 60, 2)).\(Self.pad(fraction, 6))Z"
    }

    private static func pad(_ value: some BinaryInteger, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

/// Proleptic Gregorian calendar arithmetic (Howard Hinnant's `days_from_civil`), exact for any year.
public enum CivilDate {
    /// Days since 1970-01-01 of a year/month/day (month 1–12).
    public static func daysSinceUnixEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The year/month/day of a day count since 1970-01-01.
    public static func fromDaysSinceUnixEpoch(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
