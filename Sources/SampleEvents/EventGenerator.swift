import EventContracts

/// Deterministic sample events for demos, tests and the load benchmark (`sluice generate`).
///
/// Line `i` depends only on the options and `i` (each line has its own random stream derived from
/// `seed` and `i`), so a corpus is byte-identical across runs for the same options and `now`, and
/// any line can be produced on its own. Every line is valid for its contract except the lines
/// chosen by ``Options/invalidEvery``, which are broken on purpose in one of several ways.
public struct EventGenerator: Sendable {
    /// What to generate.
    public struct Options: Sendable, Equatable {
        /// Contract the events follow.
        public var contract: Contract
        /// Seed of the random streams; the same seed gives the same events.
        public var seed: UInt64
        /// Tenant written into every pocm event's `tenant_id` (other contracts get it from the source).
        public var tenantId: String
        /// Events happen within this many days before ``now``.
        public var days: Int
        /// When set to K, every K-th line (lines K, 2K, …, counting from 1) is invalid.
        public var invalidEvery: Int?
        /// The time base, µs since the Unix epoch: no event happens after it.
        public var now: Int64

        /// Options with the CLI's defaults: pocm, seed 42, tenant `default`, 30 days, all valid.
        public init(contract: Contract = .pocm, seed: UInt64 = 42, tenantId: String = "default", days: Int = 30,
                    invalidEvery: Int? = nil, now: Int64) {
            self.contract = contract
            self.seed = seed
            self.tenantId = tenantId
            self.days = days
            self.invalidEvery = invalidEvery
            self.now = now
        }
    }

    /// Why options cannot produce valid events.
    public enum OptionsError: Error, Equatable, CustomStringConvertible {
        case daysOutOfRange(Int)
        case invalidEveryOutOfRange(Int)
        case tenantIdLength(Int)

        public var description: String {
            switch self {
            case .daysOutOfRange(let days):
                return "--days must be between 1 and 3650, got \(days)"
            case .invalidEveryOutOfRange(let every):
                return "--invalid-every must be at least 1 (1 makes every line invalid), got \(every)"
            case .tenantIdLength(let length):
                return "--tenant must be 1 to 64 characters (the tenant_id column is VARCHAR(64)), got \(length)"
            }
        }
    }

    /// The ways an invalid line is broken, in rotation with random choice per line.
    public enum Defect: String, Sendable, CaseIterable {
        /// The timestamp field holds a number instead of an RFC 3339 string.
        case wrongType = "wrong_type"
        /// A required field (producer, event id, …) is left out.
        case missingRequiredField = "missing_required_field"
        /// The event type is not one the contract knows (or, for growthos, too long).
        case badEnumValue = "bad_enum_value"
        /// The line stops in the middle of the JSON text.
        case truncatedJSON = "truncated_json"
    }

    /// The options this generator was built with.
    public let options: Options
    private let tenantBytes: Int

    /// A generator for `options`; throws when they cannot give valid events.
    public init(options: Options) throws(OptionsError) {
        guard (1...3_650).contains(options.days) else { throw .daysOutOfRange(options.days) }
        if let every = options.invalidEvery, every < 1 { throw .invalidEveryOutOfRange(every) }
        let tenantLength = options.tenantId.count
        guard (1...64).contains(tenantLength) else { throw .tenantIdLength(tenantLength) }
        self.options = options
        tenantBytes = options.tenantId.utf8.count
    }

    /// Whether line `index` (0-based) is one of the deliberately invalid lines.
    public func isInvalid(line index: Int) -> Bool {
        guard let every = options.invalidEvery else { return false }
        return (index + 1) % every == 0
    }

    /// The defect of line `index`, or nil when the line is valid.
    public func defect(line index: Int) -> Defect? {
        guard isInvalid(line: index) else { return nil }
        var rng = stream(for: index)
        rng.state ^= 0xD1B5_4A32_D192_ED03 // a stream separate from the line's content
        return Defect.allCases[rng.below(Defect.allCases.count)]
    }

    /// Appends line `index` (0-based), without its newline, to `buffer`.
    public func appendLine(_ index: Int, to buffer: inout [UInt8]) {
        let start = buffer.count
        var builder = JSONLineBuilder(bytes: [], rng: stream(for: index))
        swap(&builder.bytes, &buffer) // write in place: no copy of the caller's buffer
        let defect = defect(line: index)
        let context = LineContext(index: index, defect: defect)
        switch options.contract {
        case .pocm: writePocm(&builder, context)
        case .ingestionAPI: writeIngestionAPI(&builder, context)
        case .growthos: writeGrowthOS(&builder, context)
        case .platform: writePlatform(&builder, context)
        case .recs: writeRecs(&builder, context)
        }
        builder.finishLine()
        swap(&builder.bytes, &buffer)
        if defect == .truncatedJSON {
            // Cut somewhere in the middle so the reader fails on an unterminated value or object.
            let length = buffer.count - start
            let keep = length / 3 + Int(SplitMix64.mix(UInt64(index)) % UInt64(max(1, length / 3)))
            buffer.removeLast(length - keep)
        }
    }

    /// Line `index` (0-based) as bytes, without its newline.
    public func line(_ index: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1_024)
        appendLine(index, to: &bytes)
        return bytes
    }

    /// Generates lines `0..<count` as NDJSON (each line ends in `\n`), handing `sink` chunks of about
    /// `chunkSize` bytes; memory stays at one chunk however large `count` is.
    public func generate(count: Int, chunkSize: Int = 1 << 20, into sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        var chunk: [UInt8] = []
        chunk.reserveCapacity(chunkSize + 64 * 1_024)
        for index in 0..<max(0, count) {
            appendLine(index, to: &chunk)
            chunk.append(0x0A)
            if chunk.count >= chunkSize {
                try chunk.withUnsafeBytes(sink)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { try chunk.withUnsafeBytes(sink) }
    }

    // MARK: shared by the contract writers

    /// What a contract writer needs to know about the line beyond the random stream.
    struct LineContext {
        let index: Int
        let defect: Defect?
    }

    /// The line's own random stream: a bijective mix of (seed, index), so streams never coincide.
    private func stream(for index: Int) -> SplitMix64 {
        SplitMix64(seed: SplitMix64.mix(options.seed ^ 0x5851_F42D_4C95_7F2D) &+ SplitMix64.mix(UInt64(truncatingIfNeeded: index)))
    }

    /// When the event happened: uniformly within the last `days` days, never after `now`.
    func occurredAt(_ builder: inout JSONLineBuilder) -> Int64 {
        let span = UInt64(options.days) * 86_400_000_000
        return options.now - Int64(builder.rng.next() % span)
    }

    /// The event's timestamp field: valid RFC 3339, or a bare number for a `.wrongType` line.
    func writeTimestamp(_ key: StaticString, _ micros: Int64, _ builder: inout JSONLineBuilder, _ context: LineContext) {
        if context.defect == .wrongType {
            builder.int(key, Int(micros / 1_000_000))
        } else {
            builder.timestamp(key, micros)
        }
    }

    /// A unique id per (seed, line) with the shape of a v4 UUID: the low 62 bits are a bijection of
    /// the line index, the high bits depend on the seed, so no two lines of a corpus share it.
    func uniqueUUID(_ key: StaticString, _ builder: inout JSONLineBuilder, _ context: LineContext) {
        let mask: UInt64 = (1 << 62) - 1
        var low = UInt64(truncatingIfNeeded: context.index) & mask
        low = (low &* 0x9E37_79B9_7F4A_7C15) & mask // odd multiplier: a bijection mod 2^62
        low ^= low >> 31
        low = (low &* 0xBF58_476D_1CE4_E5B9) & mask
        low ^= low >> 29
        builder.uuid(key, high: SplitMix64.mix(options.seed &+ 0x2545_F491_4F6C_DD1D), low: low)
    }
}
