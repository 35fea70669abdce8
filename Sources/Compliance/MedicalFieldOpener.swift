import EventContracts
import Foundation

/// Opens the medical-field envelopes (`{"enc":"AES-256-GCM","kid":…,"ct":…}`, written by the loader's
/// privacy rules) in an event's JSON for an access request: the export is the only place they are
/// decrypted. A line without an envelope is passed through untouched (one byte search), so the
/// cost is paid only by the events that carry medical fields.
struct MedicalFieldOpener {
    let key: MedicalFieldKey?
    let tenant: String

    private static let marker = Array("\"AES-256-GCM\"".utf8)

    /// The line with every envelope replaced by the value it seals, and how many were opened; nil
    /// when the line has none.
    func open(_ line: UnsafeRawBufferPointer) throws -> (line: [UInt8], opened: Int)? {
        guard Self.contains(line, Self.marker) else { return nil }
        guard let key else {
            throw ComplianceError("the subject's events carry encrypted medical fields: set SLUICE_MEDICAL_KEY (the loader's key) so the export can decrypt them; nothing was exported")
        }
        let object = try JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed])
        var opened = 0
        let plain = try replace(object, key: key, opened: &opened)
        let data = try JSONSerialization.data(withJSONObject: plain, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        return (Array(data), opened)
    }

    private func replace(_ value: Any, key: MedicalFieldKey, opened: inout Int) throws -> Any {
        if let object = value as? [String: Any] {
            if object["enc"] as? String == "AES-256-GCM", let ciphertext = object["ct"] as? String {
                if let id = object["kid"] as? String, id != key.id {
                    throw ComplianceError("a medical field was encrypted with key \(id), but SLUICE_MEDICAL_KEY is key \(key.id): set the key the loader used then")
                }
                let bytes = try MedicalFieldCipher.open(ciphertext: ciphertext, key: key, tenantId: tenant)
                opened += 1
                return try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            }
            return try object.mapValues { try replace($0, key: key, opened: &opened) }
        }
        if let array = value as? [Any] {
            return try array.map { try replace($0, key: key, opened: &opened) }
        }
        return value
    }

    private static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count, let first = needle.first else { return false }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = 1
                while matched < needle.count, haystack[index + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return true }
            }
            index += 1
        }
        return false
    }
}
