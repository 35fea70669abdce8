import Postgres
/// Writes one JSON object as bytes, key by key, with the line's random stream beside it.
///
/// The generator's hot path: no `String` interpolation, no `Codable`, no `Double` formatting.
/// Every value is followed by a `,`; closing an object or array replaces that trailing comma, so
/// callers never track "first member" state. Keys and vocabulary are `StaticString`s (bytes in the
/// binary, nothing to allocate).
struct JSONLineBuilder {
    var bytes: [UInt8]
    var rng: SplitMix64

    init(bytes: [UInt8], rng: SplitMix64) {
        self.bytes = bytes
        self.rng = rng
    }

    // MARK: structure

    mutating func openObject() { bytes.append(UInt8(ascii: "{")) }

    mutating func openObject(_ key: StaticString) {
        self.key(key)
        bytes.append(UInt8(ascii: "{"))
    }

    mutating func closeObject() { close(UInt8(ascii: "}")) }

    mutating func openArray(_ key: StaticString) {
        self.key(key)
        bytes.append(UInt8(ascii: "["))
    }

    mutating func closeArray() { close(UInt8(ascii: "]")) }

    /// Ends the top-level object: drops the comma after its closing brace.
    mutating func finishLine() {
        if bytes.last == UInt8(ascii: ",") { bytes.removeLast() }
    }

    private mutating func close(_ bracket: UInt8) {
        if bytes.last == UInt8(ascii: ",") {
            bytes[bytes.count - 1] = bracket
        } else {
            bytes.append(bracket)
        }
        bytes.append(UInt8(ascii: ","))
    }

    mutating func key(_ key: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(key)
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    @inline(__always)
    mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    mutating func comma() { bytes.append(UInt8(ascii: ",")) }

    // MARK: strings

    /// A string value from the generator's own vocabulary (never needs escaping).
    mutating func string(_ key: StaticString, _ value: StaticString) {
        self.key(key)
        stringValue(value)
    }

    mutating func stringValue(_ value: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(value)
        bytes.append(UInt8(ascii: "\""))
        comma()
    }

    /// A string value from the generator's own tables (a type name; never needs escaping).
    mutating func stringValue(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: value.utf8)
        bytes.append(UInt8(ascii: "\""))
        comma()
    }

    /// A string value that came from outside (a tenant name): escaped as JSON requires.
    mutating func string(_ key: StaticString, escaping value: String) {
        self.key(key)
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 15)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        comma()
    }

    /// One of `values`, uniformly.
    mutating func pick(_ key: StaticString, _ values: [StaticString]) {
        string(key, values[rng.below(values.count)])
    }

    mutating func pickValue(_ values: [StaticString]) -> StaticString {
        values[rng.below(values.count)]
    }

    /// `"prefix" + number` with the number zero-padded to `width` digits: `"sku_004211"`.
    mutating func identifier(_ key: StaticString, _ prefix: StaticString, _ number: Int, width: Int = 0) {
        self.key(key)
        identifierValue(prefix, number, width: width)
    }

    mutating func identifierValue(_ prefix: StaticString, _ number: Int, width: Int = 0) {
        bytes.append(UInt8(ascii: "\""))
        raw(prefix)
        digits(number, width: width)
        bytes.append(UInt8(ascii: "\""))
        comma()
    }

    /// `prefix` + `count` random lower-case hex digits: trace ids, tokens.
    mutating func hexIdentifier(_ key: StaticString, _ prefix: StaticString, count: Int) {
        self.key(key)
        bytes.append(UInt8(ascii: "\""))
        raw(prefix)
        hex(count)
        bytes.append(UInt8(ascii: "\""))
        comma()
    }

    /// A random version-4 UUID.
    mutating func uuid(_ key: StaticString) {
        let high = rng.next()
        let low = rng.next()
        uuid(key, high: high, low: low)
    }

    /// A version-4-shaped UUID from 128 given bits (version and variant bits are overwritten).
    mutating func uuid(_ key: StaticString, high: UInt64, low: UInt64) {
        self.key(key)
        let high = (high & ~0xF000) | 0x4000
        let low = (low & ~(0xC000_0000_0000_0000 as UInt64)) | 0x8000_0000_0000_0000
        bytes.append(UInt8(ascii: "\""))
        hexBits(high >> 32, nibbles: 8)
        bytes.append(UInt8(ascii: "-"))
        hexBits(high >> 16, nibbles: 4)
        bytes.append(UInt8(ascii: "-"))
        hexBits(high, nibbles: 4)
        bytes.append(UInt8(ascii: "-"))
        hexBits(low >> 48, nibbles: 4)
        bytes.append(UInt8(ascii: "-"))
        hexBits(low, nibbles: 12)
        bytes.append(UInt8(ascii: "\""))
        comma()
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let upperAlnum: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    mutating func hex(_ count: Int) {
        var remaining = count
        while remaining > 0 {
            let chunk = min(16, remaining)
            hexBits(rng.next(), nibbles: chunk)
            remaining -= chunk
        }
    }

    /// The low `nibbles` hex digits of `value`, most significant first.
    mutating func hexBits(_ value: UInt64, nibbles: Int) {
        var shift = (nibbles - 1) * 4
        while shift >= 0 {
            bytes.append(Self.hexDigits[Int((value >> UInt64(shift)) & 15)])
            shift -= 4
        }
    }

    /// `count` random characters of `A-Z0-9` (device ids, batch suffixes, coupon codes).
    mutating func upperAlnum(_ count: Int) {
        for _ in 0..<count { bytes.append(Self.upperAlnum[rng.below(36)]) }
    }

    // MARK: numbers

    mutating func int(_ key: StaticString, _ value: Int) {
        self.key(key)
        digits(value, width: 0)
        comma()
    }

    mutating func int(_ key: StaticString, in range: ClosedRange<Int>) {
        int(key, rng.int(in: range))
    }

    /// A fixed-point decimal: `decimal("price", 129_900, scale: 2)` writes `1299.00`.
    mutating func decimal(_ key: StaticString, _ value: Int, scale: Int) {
        self.key(key)
        decimalValue(value, scale: scale)
        comma()
    }

    mutating func decimal(_ key: StaticString, in range: ClosedRange<Int>, scale: Int) {
        decimal(key, rng.int(in: range), scale: scale)
    }

    mutating func decimalValue(_ value: Int, scale: Int) {
        var magnitude = value
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            magnitude = -value
        }
        var divisor = 1
        for _ in 0..<scale { divisor *= 10 }
        digits(magnitude / divisor, width: 0)
        if scale > 0 {
            bytes.append(UInt8(ascii: "."))
            digits(magnitude % divisor, width: scale)
        }
    }

    mutating func bool(_ key: StaticString, _ value: Bool) {
        self.key(key)
        if value { raw("true") } else { raw("false") }
        comma()
    }

    /// True with probability `percent` %.
    mutating func bool(_ key: StaticString, percent: Int) {
        bool(key, rng.chance(percent))
    }

    /// Decimal digits of a non-negative `value`, left-padded with zeros to `width`.
    mutating func digits(_ value: Int, width: Int) {
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes: enough for Int.max (19 digits)
        var count = 0
        var remaining = value < 0 ? 0 : value
        withUnsafeMutableBytes(of: &scratch) { buffer in
            repeat {
                buffer[23 - count] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
                count += 1
            } while remaining > 0 && count < 24
            while count < width && count < 24 {
                buffer[23 - count] = UInt8(ascii: "0")
                count += 1
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(24 - count)...]))
        }
    }

    // MARK: composite values

    private static let currencies: [StaticString] = ["INR", "INR", "INR", "INR", "USD", "EUR", "GBP", "SGD", "AED"]

    /// Seed 003 Money: `{"amount": 1299.00, "currency": "INR"}`.
    mutating func money(_ key: StaticString, cents range: ClosedRange<Int>) {
        openObject(key)
        decimal("amount", in: range, scale: 2)
        pick("currency", Self.currencies)
        closeObject()
    }

    /// A random timestamp between `from` and `to` (µs since the epoch), as RFC 3339 UTC.
    mutating func timestamp(_ key: StaticString, from: Int64, to: Int64) {
        let span = max(1, to - from)
        let micros = from + Int64(truncatingIfNeeded: rng.next() % UInt64(span))
        timestamp(key, micros)
    }

    /// `micros` (since the epoch) as RFC 3339 UTC; precision varies like real producers: whole
    /// seconds, milliseconds, or microseconds.
    mutating func timestamp(_ key: StaticString, _ micros: Int64) {
        self.key(key)
        bytes.append(UInt8(ascii: "\""))
        timestampValue(micros)
        bytes.append(UInt8(ascii: "\""))
        comma()
    }

    mutating func timestampValue(_ micros: Int64) {
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let fraction = Int(micros - seconds * 1_000_000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        digits(year, width: 4)
        bytes.append(UInt8(ascii: "-"))
        digits(month, width: 2)
        bytes.append(UInt8(ascii: "-"))
        digits(day, width: 2)
        bytes.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3_600, width: 2)
        bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay / 60 % 60, width: 2)
        bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, width: 2)
        switch rng.below(3) {
        case 0:
            break
        case 1:
            bytes.append(UInt8(ascii: "."))
            digits(fraction / 1_000, width: 3)
        default:
            bytes.append(UInt8(ascii: "."))
            digits(fraction, width: 6)
        }
        bytes.append(UInt8(ascii: "Z"))
    }

    /// A calendar date `YYYY-MM-DD` `daysOffset` days from `micros`.
    mutating func date(_ key: StaticString, _ micros: Int64, daysOffset: Int) {
        self.key(key)
        let (year, month, day) = civilDate(daysSinceEpoch: micros / 86_400_000_000 + Int64(daysOffset))
        bytes.append(UInt8(ascii: "\""))
        digits(year, width: 4)
        bytes.append(UInt8(ascii: "-"))
        digits(month, width: 2)
        bytes.append(UInt8(ascii: "-"))
        digits(day, width: 2)
        bytes.append(UInt8(ascii: "\""))
        comma()
    }

    /// An ISO 8601 duration of `seconds`: `PT45S`, `PT12M5S`, `PT2H3M`, sometimes `PT2.5S`.
    mutating func duration(_ key: StaticString, seconds: Int) {
        self.key(key)
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: "P"), UInt8(ascii: "T")])
        let hours = seconds / 3_600
        let minutes = seconds / 60 % 60
        let rest = seconds % 60
        if hours > 0 {
            digits(hours, width: 0)
            bytes.append(UInt8(ascii: "H"))
        }
        if minutes > 0 {
            digits(minutes, width: 0)
            bytes.append(UInt8(ascii: "M"))
        }
        if rest > 0 || seconds == 0 {
            digits(rest, width: 0)
            if seconds < 10, rng.chance(50) {
                bytes.append(UInt8(ascii: "."))
                digits(rng.below(10), width: 0)
            }
            bytes.append(UInt8(ascii: "S"))
        }
        bytes.append(UInt8(ascii: "\""))
        comma()
    }

    mutating func duration(_ key: StaticString, secondsIn range: ClosedRange<Int>) {
        duration(key, seconds: rng.int(in: range))
    }
}

/// A UTC calendar date as `Int`s, for formatting (the arithmetic is `Postgres.CivilDate`'s).
func civilDate(daysSinceEpoch days: Int64) -> (year: Int, month: Int, day: Int) {
    let (year, month, day) = CivilDate.fromDaysSinceUnixEpoch(days)
    return (Int(year), Int(month), Int(day))
}
