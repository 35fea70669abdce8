import EventContracts
import Postgres

/// Reads a tenant's privacy, sampling and opt-out policies from their tables
/// (`migrations/0007_policies.sql`) into the plain values normalization uses.
struct PolicyStore {
    let connection: PostgresConnection

    /// - Parameter keys: a policy carrying the key material from the environment; the tables
    ///   supply the actions, never keys.
    func context(tenant: String, keys: PrivacyPolicy) async throws -> (PrivacyPolicy, SamplingPolicy, OptOutPolicy) {
        var privacy = keys
        var optOutAction = OptOutAction.flag
        var salt = ""
        // The tenant's own row wins over the '*' default.
        let settings = try await connection.query("""
            SELECT pii_action, ip_action, medical_action, opt_out_action, sampling_salt FROM privacy_policies
            WHERE tenant_id IN (\(tenant), '*') ORDER BY (tenant_id = '*') LIMIT 1
            """)
        if let row = settings.first {
            privacy.piiAction = PIIAction(rawValue: try row.decode("pii_action", as: String.self)) ?? .hash
            privacy.ipAddressAction = IPAddressAction(rawValue: try row.decode("ip_action", as: String.self)) ?? .truncate
            privacy.medicalAction = MedicalFieldAction(rawValue: try row.decode("medical_action", as: String.self)) ?? .encrypt
            optOutAction = OptOutAction(rawValue: try row.decode("opt_out_action", as: String.self)) ?? .flag
            salt = try row.decode("sampling_salt", as: String.self)
        }

        var rates: [Contract: [String: Double]] = [:]
        // '*' tenant rules first, so the tenant's own rules overwrite them.
        let rules = try await connection.query("""
            SELECT contract, event_type, keep_rate::float8 AS keep_rate FROM sampling_rules
            WHERE tenant_id IN (\(tenant), '*') ORDER BY (tenant_id <> '*')
            """)
        for row in rules {
            guard let contract = Contract(rawValue: try row.decode("contract", as: String.self)) else { continue }
            rates[contract, default: [:]][try row.decode("event_type", as: String.self)] = try row.decode("keep_rate", as: Double.self)
        }

        var optedOut = Set<String>()
        for row in try await connection.query("SELECT user_id FROM personalization_opt_outs WHERE tenant_id = \(tenant)") {
            optedOut.insert(try row.decode("user_id", as: String.self))
        }
        return (privacy, SamplingPolicy(rates: rates, salt: salt), OptOutPolicy(userIds: optedOut, action: optOutAction))
    }
}
