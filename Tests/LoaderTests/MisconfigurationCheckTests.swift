import EventContracts
import Foundation
@testable import Loader
import SampleEvents
import Testing
import TestSupport

/// `MisconfigurationCheck` on batches validated for real (no database): a run whose first lines all
/// fail the same way stops before any of them commits; anything else commits as before.
@Suite("misconfiguration check")
struct MisconfigurationCheckTests {
    /// `lines` validated under `contract` for `tenant`, as batch `sequence` of a run.
    static func validated(_ lines: [String], contract: Contract, tenant: String = "default", sequence: Int = 0,
                          firstLine: Int64 = 1) async throws -> ValidatedBatch {
        var raw = RawBatch(sequence: sequence, startOffset: 0)
        for (index, line) in lines.enumerated() {
            raw.lines.append(RawBatch.Line(start: raw.bytes.count, length: line.utf8.count, number: firstLine + Int64(index),
                                           offset: Int64(raw.bytes.count), droppedBytes: 0))
            raw.bytes.append(contentsOf: line.utf8)
        }
        return await (try validator(contract: contract, tenant: tenant)).validate(raw)
    }

    static func validator(contract: Contract, tenant: String = "default") throws -> BatchValidator {
        BatchValidator(registry: try LoaderFixture.registry.get(), contract: contract,
                       context: NormalizationContext(tenantId: tenant), oldestAcceptedOccurredAt: .min)
    }

    /// Valid pocm cart lines (no medical fields: they load without a key).
    static func pocm(_ count: Int, from: Int = 0) -> [String] {
        (from..<(from + count)).map { TestEvents.cartLine(key: "m\($0)") }
    }

    /// The same lines naming their tenant.
    static func pocm(_ count: Int, tenant: String) -> [String] {
        pocm(count).map { #"{"tenant_id":"\#(tenant)","# + $0.dropFirst() }
    }

    @Test("pocm lines under recs: held batch after batch, stopped at the 200th line; the diagnosis names pocm")
    func wrongContract() async throws {
        var check = MisconfigurationCheck()
        for part in 0..<3 {
            let batch = try await Self.validated(Self.pocm(50, from: part * 50), contract: .recs, sequence: part)
            #expect(check.feed(batch) == .hold, "batch \(part)")
        }
        let last = try await Self.validated(Self.pocm(80, from: 150), contract: .recs, sequence: 3)
        guard case .stop(let finding) = check.feed(last) else {
            Issue.record("the 200th line did not stop the run: \(check.state)")
            return
        }
        #expect(finding.lines == 200)
        #expect(!finding.wholeInput)
        #expect(finding.reason == MisconfigurationCheck.Reason(FieldError(field: "/eventType", message: "required field is missing")))
        let error = Misconfiguration.diagnose(finding, validator: try Self.validator(contract: .recs), queueMessages: false)
        #expect(error.description.contains("the first 200 lines were all rejected for the same reason (/eventType: required field is missing)"), "\(error)")
        #expect(error.description.contains("are these recs events? the lines look like pocm (--contract pocm accepts 20 of the 20 sampled)"), "\(error)")
        // Stopped is final: later batches do not commit either.
        #expect(check.feed(last) == .stop(finding))
    }

    @Test("events of another tenant: one reason whatever the values; the diagnosis names the events' tenant")
    func wrongTenant() async throws {
        var check = MisconfigurationCheck(lines: 60)
        let batch = try await Self.validated(Self.pocm(60, tenant: "acme"), contract: .pocm, tenant: "default")
        guard case .stop(let finding) = check.feed(batch) else {
            Issue.record("not stopped: \(check.state)")
            return
        }
        #expect(finding.example == FieldError(field: "/tenant_id", message: #"tenant_id "acme" differs from the tenant of the source "default""#))
        let error = Misconfiguration.diagnose(finding, validator: try Self.validator(contract: .pocm), queueMessages: true)
        #expect(error.description.contains(#"the events' tenant_id is "acme", not "default": run with --tenant acme"#), "\(error)")
        #expect(error.description.contains("nothing of them was committed or acknowledged"), "\(error)")

        // Values stripped: two tenants' lines are one reason.
        #expect(MisconfigurationCheck.Reason(FieldError(field: "/tenant_id", message: #"tenant_id "a" differs from the tenant of the source "x""#))
            == MisconfigurationCheck.Reason(FieldError(field: "/tenant_id", message: #"tenant_id "b\"c" differs from the tenant of the source "x""#)))
        #expect(MisconfigurationCheck.Reason(FieldError(field: "/data/items/3/sku", message: "invalid JSON at byte 17"))
            == MisconfigurationCheck.Reason(FieldError(field: "/data/items/12/sku", message: "invalid JSON at byte 230")))
        #expect(MisconfigurationCheck.Reason(FieldError(field: "/a", message: "required field is missing"))
            != MisconfigurationCheck.Reason(FieldError(field: "/b", message: "required field is missing")))
    }

    @Test("one line that passes, or fails otherwise, releases every held batch; the check is then over")
    func mixedLinesRelease() async throws {
        var check = MisconfigurationCheck()
        #expect(check.feed(try await Self.validated(Self.pocm(40), contract: .recs)) == .hold)
        #expect(check.feed(try await Self.validated(Self.pocm(40, from: 40) + [try Self.recsLine()], contract: .recs, sequence: 1)) == .release)
        #expect(check.state == .cleared)
        // Everything after commits, bad or not.
        #expect(check.feed(try await Self.validated(Self.pocm(300, from: 100), contract: .recs, sequence: 2)) == .release)

        var otherReason = MisconfigurationCheck()
        #expect(otherReason.feed(try await Self.validated(Self.pocm(30), contract: .recs)) == .hold)
        #expect(otherReason.feed(try await Self.validated(["not json"], contract: .recs, sequence: 1)) == .release)

        // A good line after the 200th does not matter: the first 200 decide.
        var late = MisconfigurationCheck()
        guard case .stop = late.feed(try await Self.validated(Self.pocm(200) + [try Self.recsLine()], contract: .recs)) else {
            Issue.record("a good line after the first 200 released the run")
            return
        }
    }

    @Test("an input that ends sooner: 20 or more such lines stop it, fewer are released and the check watches on")
    func shortInputs() async throws {
        var twenty = MisconfigurationCheck()
        #expect(twenty.feed(try await Self.validated(Self.pocm(20), contract: .recs)) == .hold)
        let ended = twenty.inputEnded()
        let finding = try #require(ended)
        #expect(finding.wholeInput && finding.lines == 20 && finding.released == 0)
        let error = Misconfiguration.diagnose(finding, validator: try Self.validator(contract: .recs), queueMessages: false)
        #expect(error.description.hasPrefix("all 20 lines of the input were rejected for the same reason"), "\(error)")

        var few = MisconfigurationCheck()
        #expect(few.feed(try await Self.validated(Self.pocm(19), contract: .recs)) == .hold)
        #expect(few.inputEnded() == nil)
        #expect(few.state == .watching)
        // The next input goes on counting: 19 + 181 = 200.
        guard case .stop(let later) = few.feed(try await Self.validated(Self.pocm(181, from: 19), contract: .recs)) else {
            Issue.record("not stopped at 200 lines: \(few.state)")
            return
        }
        #expect(later.lines == 200 && later.released == 19)
        #expect(Misconfiguration.diagnose(later, validator: try Self.validator(contract: .recs), queueMessages: false)
            .description.contains("except the first 19, dead-lettered before this could be told"))
    }

    @Test("--misconfig-lines 0 turns it off; a smaller N stops sooner; poison messages count neither way")
    func optionsAndPoison() async throws {
        var off = MisconfigurationCheck(lines: 0)
        #expect(off.feed(try await Self.validated(Self.pocm(300), contract: .recs)) == .release)
        #expect(off.inputEnded() == nil)

        var five = MisconfigurationCheck(lines: 5)
        #expect(five.minimum == 5)
        guard case .stop(let finding) = five.feed(try await Self.validated(Self.pocm(5), contract: .recs)) else {
            Issue.record("five lines did not stop --misconfig-lines 5")
            return
        }
        #expect(finding.lines == 5)

        // Valid lines marked poison (their fault is their delivery count) do not clear the check.
        var poisoned = MisconfigurationCheck()
        var batch = try await Self.validated(Self.pocm(30), contract: .pocm)
        #expect(batch.rejected.isEmpty)
        batch = batch.removingLines(Set(0..<30))
        for index in 0..<30 { batch.rejected.append(.init(lineIndex: index, errors: [FieldError(field: "", message: "poison: delivered 6 times")])) }
        #expect(poisoned.feed(batch, ignoring: Set(0..<30)) == .commit)
        #expect(poisoned.state == .watching)
    }

    /// A valid recs line.
    static func recsLine() throws -> String {
        let generator = try EventGenerator(options: .init(contract: .recs, seed: 3, tenantId: "default", days: 5,
                                                          now: NormalizationContext.nowMicroseconds()))
        return String(decoding: generator.line(0), as: UTF8.self)
    }
}
