import Crypto
import EventContracts
import Foundation

/// Privacy key material from the environment (never from the command line, never logged).
///
/// - `SLUICE_MEDICAL_KEY`: 32 bytes as 64 hex digits or base64. Encrypts the medical fields of the
///   pocm device and clinical types (AES-GCM). Without it those events are rejected, never stored in
///   clear.
/// - `SLUICE_PII_HASH_SECRET`: any string. Each tenant's HMAC key for email/phone hashing is
///   HMAC-SHA256(secret, tenant). Without it PII is stripped instead of hashed.
public enum KeyConfiguration {
    public static func privacyPolicy(tenant: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PrivacyPolicy {
        var policy = PrivacyPolicy()
        if let text = environment["SLUICE_MEDICAL_KEY"], !text.isEmpty {
            guard let bytes = decodeKey(text), bytes.count == 32 else {
                throw LoadError("SLUICE_MEDICAL_KEY must be 32 bytes, as 64 hex digits or base64 (generate one with `openssl rand -hex 32`)")
            }
            let keyID = SHA256.hash(data: bytes).prefix(4).map { String(format: "%02x", $0) }.joined()
            policy.medicalKey = MedicalFieldKey(id: keyID, bytes: bytes)
        }
        if let secret = environment["SLUICE_PII_HASH_SECRET"], !secret.isEmpty {
            let tenantKey = HMAC<SHA256>.authenticationCode(for: Data(tenant.utf8), using: SymmetricKey(data: Data(secret.utf8)))
            policy.piiHashSecret = Array(tenantKey)
        }
        return policy
    }

    static func decodeKey(_ text: String) -> [UInt8]? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.count == 64, trimmed.allSatisfy(\.isHexDigit) {
            var bytes: [UInt8] = []
            var index = trimmed.startIndex
            while index < trimmed.endIndex {
                let next = trimmed.index(index, offsetBy: 2)
                guard let byte = UInt8(trimmed[index..<next], radix: 16) else { return nil }
                bytes.append(byte)
                index = next
            }
            return bytes
        }
        return Data(base64Encoded: trimmed).map(Array.init)
    }
}
