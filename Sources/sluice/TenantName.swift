import ArgumentParser

/// What a `--tenant` may be, the same for every command.
enum TenantName {
    /// 1 to 64 bytes of printable text, and not `*`: the policy tables use `'*'` for "every tenant
    /// without a row of its own", so events of a tenant named `*` would read every tenant's rules.
    static func check(_ tenant: String, option: String = "--tenant") throws {
        guard !tenant.isEmpty, tenant.utf8.count <= 64 else {
            throw ValidationError("\(option) must be 1 to 64 bytes (got \(tenant.utf8.count))")
        }
        guard tenant != "*" else {
            throw ValidationError("\(option) '*' is not a tenant: in the policy tables it stands for every tenant without a row of its own")
        }
        guard tenant.unicodeScalars.allSatisfy({ ![.control, .lineSeparator, .paragraphSeparator, .format].contains($0.properties.generalCategory) }) else {
            throw ValidationError("\(option) must be printable text (no control characters)")
        }
    }
}
