@testable import EventContracts
import Foundation
import Testing

/// Random edits of valid events: the validator must never crash and always return a verdict; what
/// it accepts must be storable (valid JSON, no NUL).
@Suite struct MutationFuzzTests {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let interesting: [[UInt8]] = ["{", "}", "[", "]", "\"", "\\", ",", ":", "\\u0000", "\\ud800", "-", "1e999", "null", "0.5", "\u{1F600}"]
        .map { Array($0.utf8) } + [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0x00], [0x0A]]

    /// `line` after `edits` random edits: deletions, insertions of `interesting` (and `extra`)
    /// fragments, byte flips, cut ranges and duplicated runs.
    static func mutate(_ original: [UInt8], edits: Int, extra: [[UInt8]] = [], _ random: inout Generator) -> [UInt8] {
        var line = original
        let fragments = interesting + extra
        for _ in 0..<edits {
            guard !line.isEmpty else { break }
            let at = Int(random.next() % UInt64(line.count))
            switch random.next() % 5 {
            case 0: line.remove(at: at)
            case 1: line.insert(contentsOf: fragments[Int(random.next() % UInt64(fragments.count))], at: at)
            case 2: line[at] = UInt8(truncatingIfNeeded: random.next())
            case 3: line.removeSubrange(at..<min(line.count, at + Int(random.next() % 16)))
            default: line.insert(contentsOf: line[at..<min(line.count, at + 8)], at: at)
            }
        }
        return line
    }

    @Test func thousandsOfRandomEditsAlwaysYieldAVerdict() {
        guard let registry = Fixture.registry else { return }
        var random = Generator(state: 2024)
        let seeds: [(Contract, [UInt8])] = Fixture.allTypes.map { ($0.0, Array(Fixture.validLine($0.0, $0.1).utf8)) }
        let context = Fixture.context()
        var verdicts = 0
        var accepted = 0
        for _ in 0..<6_000 {
            let (contract, original) = seeds[Int(random.next() % UInt64(seeds.count))]
            let line = Self.mutate(original, edits: 1 + Int(random.next() % 4), &random)
            let verdict = registry.process(line: line, contract: contract, context: context)
            verdicts += 1
            switch verdict {
            case .accepted(let event):
                accepted += 1
                #expect((try? JSONSerialization.jsonObject(with: Data(event.payload))) != nil)
                #expect(!event.payload.contains(0))
            case .rejected(let errors):
                #expect(!errors.isEmpty)
            case .sampledOut, .optedOut:
                break
            }
        }
        #expect(verdicts == 6_000)
        #expect(accepted > 0) // some edits (inside free text) keep the event valid
    }
}
