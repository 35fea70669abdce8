/// Code lists behind the `iso4217` and `iso3166-alpha2` formats, packed as big-endian ASCII in a
/// `UInt32` so a lookup never builds a `String`.
enum CodeLists {
    /// ISO 4217 active currency codes (including funds and metals codes), 182 entries.
    static let currencies: Set<UInt32> = pack([
        "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD",
        "BDT", "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP",
        "BYN", "BZD", "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU",
        "CRC", "CUC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB",
        "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD",
        "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY",
        "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
        "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR",
        "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD",
        "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB",
        "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD",
        "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD",
        "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES",
        "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG",
        "XDR", "XOF", "XPD", "XPF", "XPT", "XSU", "XTS", "XUA", "XXX", "YER", "ZAR", "ZMW",
        "ZWG", "ZWL",
    ])

    /// ISO 3166-1 alpha-2 country codes (as in tzdata's iso3166.tab), 249 entries.
    static let countries: Set<UInt32> = pack([
        "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT",
        "AU", "AW", "AX", "AZ", "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI",
        "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY",
        "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
        "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM",
        "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK",
        "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL",
        "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
        "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR",
        "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN",
        "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS",
        "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
        "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW",
        "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP",
        "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
        "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
        "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM",
        "SN", "SO", "SR", "SS", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF",
        "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW",
        "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
        "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
    ])

    /// `currencies` as a bit per three-letter code: a lookup is an index computation and one load,
    /// not a hash of the code (both lists hold only codes of upper-case letters A-Z).
    static let currencyBits = LetterCodeBits(currencies, letters: 3)
    /// `countries` as a bit per two-letter code.
    static let countryBits = LetterCodeBits(countries, letters: 2)

    private static func pack(_ codes: [StaticString]) -> Set<UInt32> {
        Set(codes.map { code in
            UnsafeBufferPointer(start: code.utf8Start, count: code.utf8CodeUnitCount).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        })
    }
}

/// A set of codes of `letters` upper-case letters A-Z as a bit table indexed by the code read in base 26.
struct LetterCodeBits: Sendable {
    private let words: [UInt64]
    private let letters: Int

    init(_ packed: Set<UInt32>, letters: Int) {
        self.letters = letters
        var size = 1
        for _ in 0..<letters { size *= 26 }
        var words = [UInt64](repeating: 0, count: (size + 63) / 64)
        for code in packed {
            var index = 0
            var valid = true
            for position in (0..<letters).reversed() {
                let letter = Int((code >> UInt32(8 * position)) & 0xFF) - 65
                if letter < 0 || letter >= 26 { valid = false }
                index = index * 26 + letter
            }
            // Codes are all A-Z by construction; anything else could never be looked up anyway.
            if valid { words[index >> 6] |= 1 << UInt64(index & 63) }
        }
        self.words = words
    }

    /// True when `text` (exactly `letters` bytes) is one of the codes.
    @inline(__always)
    func contains(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard text.count == letters else { return false }
        var index = 0
        for byte in text {
            let letter = byte &- 65
            guard letter < 26 else { return false }
            index = index &* 26 &+ Int(letter)
        }
        return words[index >> 6] & (1 << UInt64(index & 63)) != 0
    }
}
