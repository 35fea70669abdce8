@testable import EventContracts
import Foundation
import Testing

/// Shared fixtures: one compiled registry (compiling is the expensive part) and helpers.
enum Fixture {
    static let compiled = Result { try EventContractRegistry() }

    static var registry: EventContractRegistry? {
        switch compiled {
        case .success(let registry): return registry
        case .failure(let error):
            Issue.record("schemas failed to compile: \(error)")
            return nil
        }
    }

    /// Every (contract, type) the registry accepts.
    static let allTypes: [(Contract, String)] = Contract.allCases.flatMap { contract in
        (registry?.eventTypes(of: contract) ?? []).map { (contract, $0) }
    }

    /// 2024-05-01T12:00:00Z in µs.
    static let now: Int64 = 1_714_564_800_000_000

    static func context(tenant: String = "acme") -> NormalizationContext {
        var privacy = PrivacyPolicy()
        privacy.piiHashSecret = Array("tenant-secret".utf8)
        privacy.medicalKey = MedicalFieldKey(id: "k1", bytes: Array(repeating: 7, count: 32))
        return NormalizationContext(tenantId: tenant, receivedAt: now, privacy: privacy)
    }

    static func process(_ line: String, _ contract: Contract = .pocm, _ context: NormalizationContext = Fixture.context()) -> Verdict {
        guard let registry else { return .rejected([FieldError(field: "", message: "no registry")]) }
        return registry.process(line: Array(line.utf8), contract: contract, context: context)
    }

    static func accepted(_ line: String, _ contract: Contract = .pocm, _ context: NormalizationContext = Fixture.context(),
                         sourceLocation: SourceLocation = #_sourceLocation) -> CanonicalEvent? {
        switch process(line, contract, context) {
        case .accepted(let event): return event
        case let other:
            Issue.record("expected accepted, got \(other) for \(line)", sourceLocation: sourceLocation)
            return nil
        }
    }

    static func errors(_ line: String, _ contract: Contract = .pocm, _ context: NormalizationContext = Fixture.context(),
                       sourceLocation: SourceLocation = #_sourceLocation) -> [FieldError] {
        switch process(line, contract, context) {
        case .rejected(let errors): return errors
        case let other:
            Issue.record("expected rejected, got \(other) for \(line)", sourceLocation: sourceLocation)
            return []
        }
    }

    static func json(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// The schema documents as shipped on disk.
    static var schemasDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/EventContracts/Schemas")
    }

    static func document(_ path: String) -> [String: Any] {
        guard let data = try? Data(contentsOf: schemasDirectory.appendingPathComponent(path)) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    /// A value satisfying `schema`, with every optional property filled (so every rule is exercised).
    static func example(_ schema: [String: Any], root: [String: Any]) -> Any {
        if let reference = schema["$ref"] as? String, let defs = root["$defs"] as? [String: Any],
           let target = defs[String(reference.dropFirst("#/$defs/".count))] as? [String: Any] {
            return example(target, root: root)
        }
        if let constant = schema["const"] { return constant }
        if let values = schema["enum"] as? [Any], let first = values.first { return first }
        let type = (schema["type"] as? String) ?? (schema["type"] as? [String])?.first ?? "object"
        switch type {
        case "string":
            switch schema["format"] as? String {
            case "date-time": return "2024-05-01T11:00:00.250Z"
            case "date": return "2024-05-01"
            case "duration": return "PT1H30M"
            case "uri": return "https://example.com/page"
            case "uuid": return "123e4567-e89b-12d3-a456-426614174000"
            case "iso4217": return "INR"
            case "iso3166-alpha2": return "IN"
            case "nflx-device-id": return "NFLX_AB12CD34"
            case "batch-number": return "BATCH_20240501_A01"
            case "idempotency-key": return "key-1"
            default: return "value"
            }
        case "integer": return Int((schema["minimum"] as? Double) ?? 1)
        case "number": return (schema["minimum"] as? Double).map { $0 + 0.5 < ((schema["maximum"] as? Double) ?? .infinity) ? $0 + 0.5 : $0 } ?? 1.5
        case "boolean": return true
        case "array":
            let count = max(1, (schema["minItems"] as? Int) ?? 1)
            let item = (schema["items"] as? [String: Any]).map { example($0, root: root) } ?? "value"
            return Array(repeating: item, count: count)
        default:
            var object: [String: Any] = [:]
            for (name, property) in (schema["properties"] as? [String: Any]) ?? [:] where name != "tenant_id" {
                if let property = property as? [String: Any] { object[name] = example(property, root: root) }
            }
            return object
        }
    }

    /// A complete valid line for (contract, type), built from the shipped schema document.
    static func validLine(_ contract: Contract, _ type: String) -> String {
        let document = Fixture.document("\(contract.rawValue)/\(type).v1.json")
        guard var payload = example(document, root: document) as? [String: Any] else { return "{}" }
        switch contract {
        case .pocm:
            return json(["type": type, "occurred_at": "2024-05-01T10:00:00Z", "producer": "web", "source_service": "svc",
                         "user_id": "u-1", "idempotency_key": "k-\(type)", "data": payload])
        case .ingestionAPI:
            return json(["event_type": type, "event_id": "e-1", "payload": payload])
        case .growthos, .platform, .recs:
            payload.removeValue(forKey: "schema_version")
            return json(payload)
        }
    }
}

extension FieldError {
    /// Shorthand for assertions: "field: message".
    var pair: String { "\(field): \(message)" }
}
