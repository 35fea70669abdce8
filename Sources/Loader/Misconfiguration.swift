import EventContracts
import Foundation

/// A run stopped by ``MisconfigurationCheck``: which lines failed how, and what looks wrong — the
/// contract (another contract accepts the lines), the tenant (the events name another one), or
/// the field. Nothing of those lines was committed, nor, for a queue, acknowledged.
public struct Misconfiguration: Error, CustomStringConvertible, Sendable {
    public var finding: MisconfigurationCheck.Finding
    /// What looks wrong and what to run instead, worded for the operator.
    public var diagnosis: String
    /// The lines are queue messages (left unacknowledged) rather than input lines.
    public var queueMessages: Bool

    public var description: String {
        let unit = queueMessages ? "messages" : "lines"
        let scope: String
        if finding.wholeInput {
            scope = queueMessages ? "all \(finding.lines) \(unit) read before the queue went quiet were"
                : "all \(finding.lines) \(unit) of the input were"
        } else {
            scope = "the first \(finding.lines) \(unit) were all"
        }
        let untouched = queueMessages ? "nothing of them was committed or acknowledged" : "nothing of them was committed"
        var text = "\(scope) rejected for the same reason (\(finding.example)): \(diagnosis). "
            + "This looks like a misconfiguration, not bad data: \(untouched)"
        if finding.released > 0 {
            text += " (except the first \(finding.released), dead-lettered before this could be told: sluice rejects list)"
        }
        return text + ". Fix the command and run it again; --misconfig-lines 0 turns this check off and dead-letters such lines"
    }

    /// The finding, with what looks wrong worked out from its sampled lines: a tenant mismatch
    /// names the events' own tenant; otherwise the other contracts are tried on the samples.
    static func diagnose(_ finding: MisconfigurationCheck.Finding, validator: BatchValidator, queueMessages: Bool) -> Misconfiguration {
        Misconfiguration(finding: finding, diagnosis: diagnosis(finding, validator: validator), queueMessages: queueMessages)
    }

    private static func diagnosis(_ finding: MisconfigurationCheck.Finding, validator: BatchValidator) -> String {
        let contract = validator.contract.rawValue
        let tenant = validator.context.tenantId
        let example = finding.example
        if isTenantMismatch(example) {
            let named = tenants(in: finding.samples, at: example.field)
            switch named.count {
            case 0: return "the events name another tenant than --tenant \(tenant)"
            case 1: return "the events' tenant_id is \(JSONText.quoted(named[0])), not \(JSONText.quoted(tenant)): run with --tenant \(argument(named[0]))"
            default: return "the events' tenant_id is \(named.map(JSONText.quoted).joined(separator: ", ")): load each tenant's events with its own --tenant"
            }
        }

        // Another contract that accepts the lines (or would, but for their tenant).
        struct Fit {
            var contract: Contract
            var accepted = 0
            var butForTenant = 0
            var tenants: [String] = []
        }
        var fits: [Fit] = []
        for other in Contract.allCases where other != validator.contract {
            var fit = Fit(contract: other)
            for sample in finding.samples {
                switch validator.registry.process(line: sample.bytes, contract: other, context: validator.context) {
                case .accepted, .sampledOut, .optedOut:
                    fit.accepted += 1
                case .rejected(let errors):
                    if let first = errors.first, errors.allSatisfy(isTenantMismatch) {
                        fit.butForTenant += 1
                        fit.tenants += tenants(in: [sample], at: first.field).filter { !fit.tenants.contains($0) }
                    }
                }
            }
            fits.append(fit)
        }
        let sampled = finding.samples.count
        let question = "are these \(contract) events?"
        if let best = fits.max(by: { $0.accepted < $1.accepted }), best.accepted * 2 >= sampled, best.accepted > 0 {
            return "\(question) the lines look like \(best.contract.rawValue) (--contract \(best.contract.rawValue) accepts \(best.accepted) of the \(sampled) sampled)"
        }
        if let best = fits.max(by: { $0.accepted + $0.butForTenant < $1.accepted + $1.butForTenant }),
           (best.accepted + best.butForTenant) * 2 >= sampled, best.tenants.count == 1 {
            return "\(question) the lines look like \(best.contract.rawValue) events of tenant \(JSONText.quoted(best.tenants[0])) "
                + "(--contract \(best.contract.rawValue) --tenant \(argument(best.tenants[0])))"
        }

        if example.message.hasPrefix("invalid JSON") || example.message.hasPrefix("the top level must be") {
            return "the input does not look like NDJSON (one JSON object per line): is it compressed (name it .gz) or in another format?"
        }
        if example.message.contains("--field") {
            return "the entries carry their event in another field: set --field, or --whole-entry when the entry's fields are the event"
        }
        let field = example.field.isEmpty ? "the whole line" : example.field
        return "no other contract accepts the lines either: check what the producer sends in \(field), "
            + "or the options that say what to expect (--contract \(contract), --tenant \(tenant))"
    }

    /// A value as it would be typed after an option: bare when that is unambiguous, else quoted.
    static func argument(_ value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_.:@-".unicodeScalars.contains($0)
        }
        return plain ? value : JSONText.quoted(value)
    }

    /// The normalizer's wording of an event whose tenant is not the source's
    /// (`EventNormalizer.finish`, `tenant_id "x" differs from the tenant of the source "y"`).
    static func isTenantMismatch(_ error: FieldError) -> Bool {
        error.message.hasPrefix("tenant_id ") && error.message.contains("differs from the tenant of the source")
    }

    /// The distinct strings at JSON Pointer `pointer` in the samples, in order of appearance.
    static func tenants(in samples: [MisconfigurationCheck.Sample], at pointer: String) -> [String] {
        var found: [String] = []
        for sample in samples {
            guard let object = try? JSONSerialization.jsonObject(with: Data(sample.bytes), options: [.fragmentsAllowed]),
                  let value = value(at: pointer, in: object) as? String, !found.contains(value) else { continue }
            found.append(value)
        }
        return found
    }

    /// RFC 6901: `/a/0/b~1c` in parsed JSON.
    static func value(at pointer: String, in root: Any) -> Any? {
        guard !pointer.isEmpty else { return root }
        var current: Any = root
        for raw in pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let token = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if let object = current as? [String: Any], let next = object[token] {
                current = next
            } else if let array = current as? [Any], let index = Int(token), array.indices.contains(index) {
                current = array[index]
            } else {
                return nil
            }
        }
        return current
    }
}
