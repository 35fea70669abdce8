import Compliance
import EventContracts
import Foundation
import Loader
import Postgres
import TestSupport

/// Shared set-up for compliance tests: a migrated warehouse, loads as the loader login, and a
/// connection as compliance staff.
enum ComplianceFixture {
    /// The secret the tests' loads and compliance commands share.
    static let secret = "compliance-test-secret"

    /// The tenant's keyed-hash key, derived as `KeyConfiguration` derives it.
    static func hashKey(_ tenant: String) throws -> [UInt8] {
        try KeyConfiguration.privacyPolicy(tenant: tenant, environment: ["SLUICE_PII_HASH_SECRET": secret]).piiHashSecret ?? []
    }

    static let registry = Result { try EventContractRegistry() }

    /// Loads `lines` as the loader login for `tenant`.
    @discardableResult
    static func load(_ url: String, _ lines: [String], tenant: String, contract: Contract = .pocm) async throws -> LoadSummary {
        let input = try TestEvents.writeFile(lines)
        var options = LoadOptions(connectionString: TestDatabase.url(url, as: .loader))
        options.tenant = tenant
        options.contract = contract
        options.inputs = [input.path]
        options.privacy = try KeyConfiguration.privacyPolicy(tenant: tenant, environment: ["SLUICE_PII_HASH_SECRET": secret])
        return try await LoadJob(options: options, registry: registry.get()).run()
    }

    /// A connection as compliance staff (the test login in sluice_compliance).
    static func compliance(_ url: String) async throws -> PostgresConnection {
        try await ComplianceSession.open(TestDatabase.url(url, as: .compliance), command: "gdpr")
    }
}
