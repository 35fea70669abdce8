/// The `format` values the schema compiler understands, each checked on decoded UTF-8 bytes.
enum StringFormat: UInt8, Sendable, CaseIterable {
    case none
    case dateTime
    case date
    case duration
    case uri
    case uuid
    case iso4217
    case iso3166Alpha2
    case nflxDeviceID
    case batchNumber
    case idempotencyKey

    init?(schemaName: String) {
        switch schemaName {
        case "date-time": self = .dateTime
        case "date": self = .date
        case "duration": self = .duration
        case "uri": self = .uri
        case "uuid": self = .uuid
        case "iso4217": self = .iso4217
        case "iso3166-alpha2": self = .iso3166Alpha2
        case "nflx-device-id": self = .nflxDeviceID
        case "batch-number": self = .batchNumber
        case "idempotency-key": self = .idempotencyKey
        default: return nil
        }
    }

    /// The message of a rejection, phrased so a producer knows what to send instead.
    var expectation: String {
        switch self {
        case .none: return "a string"
        case .dateTime: return "an ISO 8601 date-time with Z or an offset, e.g. 2024-05-01T12:00:00.123456Z"
        case .date: return "an ISO 8601 date, e.g. 2024-05-01"
        case .duration: return "an ISO 8601 duration, e.g. PT1H30M"
        case .uri: return "an absolute URI, e.g. https://example.com/page"
        case .uuid: return "a UUID, e.g. 123e4567-e89b-12d3-a456-426614174000"
        case .iso4217: return "an ISO 4217 currency code, e.g. INR"
        case .iso3166Alpha2: return "an ISO 3166-1 alpha-2 country code, e.g. IN"
        case .nflxDeviceID: return "a device id of the form NFLX_XXXXXXXX (8 upper-case letters or digits)"
        case .batchNumber: return "a batch number of the form BATCH_YYYYMMDD_XXX"
        case .idempotencyKey: return "1 to 255 safe characters (A-Z a-z 0-9 . _ : -)"
        }
    }

    func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        switch self {
        case .none: return true
        case .dateTime: return Timestamp.parseMicroseconds(text) != nil
        case .date: return text.count == 10 && Timestamp.parseDate(text, 0) != nil
        case .duration: return StringFormat.isDuration(text)
        case .uri: return StringFormat.isURI(text)
        case .uuid: return StringFormat.isUUID(text)
        case .iso4217: return text.count == 3 && CodeLists.currencyBits.contains(text)
        case .iso3166Alpha2: return text.count == 2 && CodeLists.countryBits.contains(text)
        case .nflxDeviceID:
            return text.count == 13 && text.starts(with: Array("NFLX_".utf8)) && text[5...].allSatisfy(StringFormat.isUpperAlnum)
        case .batchNumber:
            // BATCH_YYYYMMDD_XXX
            guard text.count == 18, text.starts(with: Array("BATCH_".utf8)), text[14] == UInt8(ascii: "_"),
                  text[15...].allSatisfy(StringFormat.isUpperAlnum) else { return false }
            return Timestamp.parseCompactDate(text, 6) != nil
        case .idempotencyKey:
            return (1...255).contains(text.count) && text.allSatisfy { byte in
                StringFormat.isUpperAlnum(byte) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2E || byte == 0x5F || byte == 0x3A || byte == 0x2D
            }
        }
    }

    static func isUpperAlnum(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
    }

    static func isUUID(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard text.count == 36, let base = text.baseAddress else { return false }
        guard base[8] == UInt8(ascii: "-"), base[13] == UInt8(ascii: "-"), base[18] == UInt8(ascii: "-"),
              base[23] == UInt8(ascii: "-") else { return false }
        // Eight bytes at a time (SWAR): five words cover the 36 bytes; in each, the bytes that
        // must be hex digits (the dashes are checked above).
        let raw = UnsafeRawPointer(base)
        @inline(__always) func word(_ offset: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        return hexBytes(word(0)) == 0x8080_8080_8080_8080
            && hexBytes(word(8)) & 0x8080_0080_8080_8000 == 0x8080_0080_8080_8000 // bytes 9-12, 14-15
            && hexBytes(word(16)) & 0x0080_8080_8000_8080 == 0x0080_8080_8000_8080 // bytes 16-17, 19-22
            && hexBytes(word(24)) == 0x8080_8080_8080_8080
            && hexBytes(word(28)) == 0x8080_8080_8080_8080
    }

    /// The high bit of each byte of `word` that is an ASCII hex digit (exact per byte: for bytes
    /// below 0x80 the sums stay within the byte).
    @inline(__always)
    static func hexBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080, low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let ascii = ~word & high
        let seven = word & low7
        // x >= lo: bit 7 of (x + 0x80 - lo); x <= hi: bit 7 of (x + 0x7F - hi) clear.
        @inline(__always) func within(_ x: UInt64, _ lo: UInt64, _ hi: UInt64) -> UInt64 {
            (x &+ ones &* (0x80 &- lo)) & ~(x &+ ones &* (0x7F &- hi)) & high
        }
        let digit = within(seven, 0x30, 0x39)
        let letter = within(seven | (ones &* 0x20), 0x61, 0x66)
        return (digit | letter) & ascii
    }

    /// RFC 3986 absolute URI, loosely: `scheme ":" rest` with no spaces or control characters.
    static func isURI(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let colon = text.firstIndex(of: UInt8(ascii: ":")), colon > 0, colon + 1 < text.count else { return false }
        let first = text[0] | 0x20
        guard first >= 0x61, first <= 0x7A else { return false }
        for byte in text[1..<colon] {
            let lower = byte | 0x20
            let ok = (lower >= 0x61 && lower <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2B || byte == 0x2D || byte == 0x2E
            if !ok { return false }
        }
        return text[(colon + 1)...].allSatisfy { $0 > 0x20 && $0 != 0x7F && $0 != 0x22 && $0 != 0x3C && $0 != 0x3E }
    }

    /// ISO 8601 duration: `PnYnMnWnDTnHnMnS` (seconds may be fractional), at least one component,
    /// and a `T` must be followed by a time component.
    static func isDuration(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard text.count >= 3, text[0] == UInt8(ascii: "P") else { return false }
        var index = 1
        var inTime = false
        var components = 0
        var timeComponents = 0
        var lastRank = -1
        while index < text.count {
            if text[index] == UInt8(ascii: "T") {
                if inTime { return false }
                inTime = true; index += 1; continue
            }
            let digitsStart = index
            var sawFraction = false
            while index < text.count, (text[index] &- 48 < 10 || ((text[index] == 0x2E || text[index] == 0x2C) && !sawFraction)) {
                if text[index] == 0x2E || text[index] == 0x2C { sawFraction = true }
                index += 1
            }
            guard index > digitsStart, index < text.count, text[digitsStart] &- 48 < 10 else { return false }
            let designator = text[index]
            index += 1
            let rank: Int
            switch (inTime, designator) {
            case (false, UInt8(ascii: "Y")): rank = 0
            case (false, UInt8(ascii: "M")): rank = 1
            case (false, UInt8(ascii: "W")): rank = 2
            case (false, UInt8(ascii: "D")): rank = 3
            case (true, UInt8(ascii: "H")): rank = 4
            case (true, UInt8(ascii: "M")): rank = 5
            case (true, UInt8(ascii: "S")): rank = 6
            default: return false
            }
            // Only the last (smallest) component may carry a fraction; components must be in order.
            if rank <= lastRank || (sawFraction && index != text.count) { return false }
            lastRank = rank
            components += 1
            if inTime { timeComponents += 1 }
        }
        return components > 0 && (!inTime || timeComponents > 0)
    }
}

/// ISO 8601 / RFC 3339 timestamps to microseconds since the Unix epoch, UTC.
enum Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM)`; at most 6 fractional digits (µs); leap second 60 refused.
    static func parseMicroseconds(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard text.count >= 20, let days = parseDate(text, 0) else { return nil }
        let separator = text[10]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t"),
              let hour = twoDigits(text, 11), text[13] == UInt8(ascii: ":"),
              let minute = twoDigits(text, 14), text[16] == UInt8(ascii: ":"),
              let second = twoDigits(text, 17), hour < 24, minute < 60, second < 60 else { return nil }
        var index = 19
        var micros: Int64 = 0
        if index < text.count, text[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < text.count, text[index] &- 48 < 10 {
                guard digits < 6 else { return nil }
                micros = micros * 10 + Int64(text[index] - 48)
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<6 { micros *= 10 }
        }
        guard index < text.count else { return nil }
        var offsetSeconds: Int64 = 0
        switch text[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == text.count, let offsetHour = twoDigits(text, index + 1), text[index + 3] == UInt8(ascii: ":"),
                  let offsetMinute = twoDigits(text, index + 4), offsetHour < 24, offsetMinute < 60 else { return nil }
            offsetSeconds = Int64(offsetHour * 3600 + offsetMinute * 60) * (text[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        default:
            return nil
        }
        guard index == text.count else { return nil }
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - offsetSeconds
        return seconds * 1_000_000 + micros
    }

    /// `YYYY-MM-DD` at `offset` → days since 1970-01-01, validating the day of the month.
    static func parseDate(_ text: UnsafeBufferPointer<UInt8>, _ offset: Int) -> Int64? {
        guard offset + 10 <= text.count, text[offset + 4] == UInt8(ascii: "-"), text[offset + 7] == UInt8(ascii: "-"),
              let high = twoDigits(text, offset), let low = twoDigits(text, offset + 2),
              let month = twoDigits(text, offset + 5), let day = twoDigits(text, offset + 8) else { return nil }
        return daysIfValid(year: high * 100 + low, month: month, day: day)
    }

    /// `YYYYMMDD` at `offset`.
    static func parseCompactDate(_ text: UnsafeBufferPointer<UInt8>, _ offset: Int) -> Int64? {
        guard offset + 8 <= text.count, let high = twoDigits(text, offset), let low = twoDigits(text, offset + 2),
              let month = twoDigits(text, offset + 4), let day = twoDigits(text, offset + 6) else { return nil }
        return daysIfValid(year: high * 100 + low, month: month, day: day)
    }

    private static func daysIfValid(year: Int, month: Int, day: Int) -> Int64? {
        guard (1...12).contains(month), day >= 1 else { return nil }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let length = switch month {
        case 2: leap ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
        guard day <= length else { return nil }
        return daysFromCivil(year: year, month: month, day: day)
    }

    /// Howard Hinnant's days_from_civil.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    @inline(__always)
    private static func twoDigits(_ text: UnsafeBufferPointer<UInt8>, _ offset: Int) -> Int? {
        guard offset + 1 < text.count else { return nil }
        let tens = text[offset] &- 48
        let ones = text[offset + 1] &- 48
        guard tens < 10, ones < 10 else { return nil }
        return Int(tens) * 10 + Int(ones)
    }
}
