@testable import EventContracts
import Testing

/// An integer rule is decided on the number's text, not on a Double that rounds.
@Suite struct IntegerTextTests {
    @Test("integral by its digits", arguments: [
        ("2", true), ("-12", true), ("0", true), ("-0", true), ("5.0", true), ("5.000", true), ("5e2", true), ("1.5e1", true),
        ("1200e-2", true), ("12E+0", true), ("0.0e-7", true), ("1e400", true),
        ("2.0000000000000000001", false), ("15e-1", false), ("1e-400", false), ("0.5", false), ("-7.25", false),
        ("123456789012345678901.5", false), ("9007199254740993.0000000001", false),
    ])
    func integral(text: String, expected: Bool) {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBufferPointer { JSONBytes.isIntegral($0) }
        #expect(result == expected, "\(text)")
    }

    @Test("an integer field given 2.0000000000000000001 is rejected on both validator paths; 2.0 and 20e-1 pass")
    func integerFieldByText() throws {
        let template = RejectionTests.pocm("user", data: ["login_count": 777_777])
        #expect(template.contains("777777"))
        for fastPath in [true, false] {
            let registry = try EventContractRegistry(fastPath: fastPath)
            for (text, valid) in [("2.0000000000000000001", false), ("2.0", true), ("20e-1", true), ("2", true), ("2.5", false)] {
                let line = template.replacingOccurrences(of: "777777", with: text)
                let verdict = registry.process(line: Array(line.utf8), contract: .pocm, context: Fixture.context())
                switch verdict {
                case .accepted:
                    #expect(valid, "\(text) was accepted (fast path: \(fastPath))")
                case .rejected(let errors):
                    #expect(!valid, "\(text) was rejected: \(errors) (fast path: \(fastPath))")
                    #expect(errors.contains { $0.field == "/data/login_count" && $0.message.contains("integer") }, "\(errors)")
                case .sampledOut, .optedOut:
                    Issue.record("unexpected policy verdict for \(text)")
                }
            }
        }
    }
}
