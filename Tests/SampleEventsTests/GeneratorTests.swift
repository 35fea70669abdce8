import EventContracts
import Foundation
@testable import SampleEvents
import Testing

/// `EventGenerator` (behind `sluice generate`): what it writes must pass the same validator the
/// loader uses, byte-for-byte reproducibly, with broken lines exactly where asked.
@Suite("EventGenerator")
struct GeneratorTests {
    /// 2024-05-01T12:00:00Z in µs: the pinned time base (like `--now`).
    static let now: Int64 = 1_714_564_800_000_000
    static let registry = Result { try EventContractRegistry() }

    static func context(tenant: String) -> NormalizationContext {
        var privacy = PrivacyPolicy()
        privacy.piiHashSecret = Array("generator-test-secret".utf8)
        privacy.medicalKey = MedicalFieldKey(id: "test-key", bytes: Array(repeating: 0x2A, count: 32))
        return NormalizationContext(tenantId: tenant, receivedAt: now, privacy: privacy)
    }

    static func generator(_ contract: Contract = .pocm, seed: UInt64 = 42, tenant: String = "default", days: Int = 30,
                          invalidEvery: Int? = nil) throws -> EventGenerator {
        try EventGenerator(options: .init(contract: contract, seed: seed, tenantId: tenant, days: days,
                                          invalidEvery: invalidEvery, now: now))
    }

    /// Every line of a few thousand per contract is accepted, with the canonical fields the
    /// generator promises.
    @Test(arguments: [(Contract.pocm, 6_000), (.ingestionAPI, 3_000), (.growthos, 3_000), (.platform, 3_000), (.recs, 3_000)])
    func everyLineIsValid(contract: Contract, count: Int) throws {
        let registry = try Self.registry.get()
        let tenant = "acme-retail"
        let generator = try Self.generator(contract, tenant: tenant, days: 45)
        let context = Self.context(tenant: tenant)
        var types: Set<String> = []
        var keys: Set<String> = []
        var rejected = 0
        for index in 0..<count {
            let line = generator.line(index)
            switch registry.process(line: line, contract: contract, context: context) {
            case .accepted(let event):
                types.insert(event.type)
                if let key = event.idempotencyKey { keys.insert(key) }
                #expect(event.tenantId == tenant)
                #expect(event.occurredAt <= Self.now, "line \(index) happens after now")
                #expect(event.occurredAt >= Self.now - 45 * 86_400_000_000, "line \(index) is older than --days")
            case .rejected(let errors):
                rejected += 1
                if rejected <= 3 { Issue.record("line \(index) rejected: \(errors) — \(String(decoding: line, as: UTF8.self))") }
            case .sampledOut, .optedOut:
                Issue.record("line \(index) dropped by a policy the test did not set")
            }
        }
        #expect(rejected == 0)
        #expect(keys.count == count, "idempotency keys / event ids must be unique")
        switch contract {
        case .pocm:
            #expect(types == Set(EventGenerator.pocmTypeNames))
            #expect(types.count == 45)
        case .ingestionAPI, .platform, .recs:
            #expect(types == Set(registry.eventTypes(of: contract)))
        case .growthos:
            #expect(types.contains("product_ingestion"))
            #expect(types.count >= 5)
        }
    }

    @Test func pocmLinesCarryTheTenantAndAStableKey() throws {
        let generator = try Self.generator(tenant: #"we"ird\tenant"#, days: 7)
        let registry = try Self.registry.get()
        let line = generator.line(17)
        let object = try #require(JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(object["tenant_id"] as? String == #"we"ird\tenant"#)
        let key = try #require(object["idempotency_key"] as? String)
        #expect(key.hasSuffix(":42:17"))
        guard case .accepted = registry.process(line: line, contract: .pocm, context: Self.context(tenant: #"we"ird\tenant"#)) else {
            Issue.record("escaped tenant not accepted: \(String(decoding: line, as: UTF8.self))")
            return
        }
    }

    @Test func pocmLinesAverageAboutSixHundredFiftyBytes() throws {
        let generator = try Self.generator()
        var bytes = 0
        let count = 20_000
        generator.generate(count: count) { chunk in bytes += chunk.count }
        let average = Double(bytes - count) / Double(count)
        #expect((580...720).contains(average), "average pocm line is \(average) bytes")
    }

    @Test func sameOptionsGiveIdenticalBytesAndAnotherSeedDoesNot() throws {
        func corpus(_ generator: EventGenerator) -> [UInt8] {
            var all: [UInt8] = []
            generator.generate(count: 2_000, chunkSize: 4_096) { all.append(contentsOf: $0) }
            return all
        }
        for contract in Contract.allCases {
            let first = corpus(try Self.generator(contract, invalidEvery: 7))
            let second = corpus(try Self.generator(contract, invalidEvery: 7))
            let otherSeed = corpus(try Self.generator(contract, seed: 43, invalidEvery: 7))
            #expect(first == second, "\(contract.rawValue) is not deterministic")
            #expect(first != otherSeed, "\(contract.rawValue) ignores the seed")
        }
    }

    /// Line i is the same whether produced alone or inside a stream (the chunking must not matter).
    @Test func streamedLinesEqualSingleLines() throws {
        let generator = try Self.generator(.recs)
        var streamed: [UInt8] = []
        generator.generate(count: 300, chunkSize: 1_000) { streamed.append(contentsOf: $0) }
        var single: [UInt8] = []
        for index in 0..<300 {
            single.append(contentsOf: generator.line(index))
            single.append(0x0A)
        }
        #expect(streamed == single)
        #expect(streamed.filter { $0 == 0x0A }.count == 300)
    }

    @Test(arguments: Contract.allCases)
    func invalidEveryBreaksExactlyEveryKthLine(contract: Contract) throws {
        let registry = try Self.registry.get()
        let generator = try Self.generator(contract, invalidEvery: 5)
        let context = Self.context(tenant: "default")
        var defects: Set<EventGenerator.Defect> = []
        var lines: [UInt8] = []
        generator.generate(count: 1_000) { lines.append(contentsOf: $0) }
        let split = lines.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        #expect(split.count == 1_000, "line count must stay --count")
        for (index, line) in split.enumerated() {
            let verdict = registry.process(line: Array(line), contract: contract, context: context)
            let shouldFail = (index + 1) % 5 == 0
            #expect(generator.isInvalid(line: index) == shouldFail)
            switch verdict {
            case .rejected:
                #expect(shouldFail, "line \(index) rejected but should be valid")
            case .accepted, .sampledOut, .optedOut:
                #expect(!shouldFail, "line \(index) (\(String(describing: generator.defect(line: index)))) accepted but should be broken: \(String(decoding: line, as: UTF8.self))")
            }
            if let defect = generator.defect(line: index) { defects.insert(defect) }
        }
        #expect(defects == Set(EventGenerator.Defect.allCases))
    }

    @Test func optionsOutsideTheirRangeAreRefused() {
        #expect(throws: EventGenerator.OptionsError.daysOutOfRange(0)) { try Self.generator(days: 0) }
        #expect(throws: EventGenerator.OptionsError.invalidEveryOutOfRange(0)) { try Self.generator(invalidEvery: 0) }
        #expect(throws: EventGenerator.OptionsError.tenantIdLength(0)) { try Self.generator(tenant: "") }
        #expect(throws: EventGenerator.OptionsError.tenantIdLength(65)) { try Self.generator(tenant: String(repeating: "t", count: 65)) }
    }

    @Test(arguments: [
        (Int64(0), 1970, 1, 1), (Int64(11_016), 2000, 2, 29), (Int64(11_017), 2000, 3, 1), (Int64(19_782), 2024, 2, 29), (Int64(19_783), 2024, 3, 1),
        (Int64(-1), 1969, 12, 31),
    ])
    func civilDates(days: Int64, year: Int, month: Int, day: Int) {
        let date = civilDate(daysSinceEpoch: days)
        #expect(date.year == year && date.month == month && date.day == day)
    }

    @Test func timestampsAreRFC3339UTC() {
        var builder = JSONLineBuilder(bytes: [], rng: SplitMix64(seed: 1))
        var seen: Set<Int> = []
        for _ in 0..<30 {
            builder.bytes.removeAll()
            builder.timestampValue(Self.now + 123_456)
            let text = String(decoding: builder.bytes, as: UTF8.self)
            seen.insert(text.count)
            #expect(["2024-05-01T12:00:00Z", "2024-05-01T12:00:00.123Z", "2024-05-01T12:00:00.123456Z"].contains(text), "\(text)")
        }
        #expect(seen.count == 3, "precision should vary: seconds, milliseconds, microseconds")
    }

    @Test func splitMixMatchesTheReferenceSequence() {
        // First outputs of SplitMix64 seeded with 0 (reference C implementation by Vigna).
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
        var small = SplitMix64(seed: 9)
        for _ in 0..<1_000 { #expect((0..<7).contains(small.below(7))) }
    }
}
