#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What to do with email addresses and phone numbers found in a payload (seeds 002, 004).
public enum PIIAction: String, Sendable, CaseIterable {
    /// Replace with `"hmac-sha256:<hex>"` keyed by the tenant's secret (joins still work, the value is gone).
    case hash
    /// Remove the field (or array element).
    case strip
}

/// What to do with IP addresses (seed 002 `ip_address`).
public enum IPAddressAction: String, Sendable, CaseIterable {
    /// Keep the network only: IPv4 /24, IPv6 /48 (the default). Unparseable values are removed.
    case truncate
    /// Remove the field.
    case strip
    /// Store as sent.
    case keep
}

/// What to do with medical fields of the pocm device/clinical types (seed 003 §7).
public enum MedicalFieldAction: String, Sendable, CaseIterable {
    /// Replace the value with an AES-256-GCM envelope only compliance exports can open.
    case encrypt
    /// Remove the field.
    case strip
}

/// What to do with events of users who opted out of personalization (seed 004).
public enum OptOutAction: String, Sendable, CaseIterable {
    /// Keep the event with flag `opted_out`, so training views exclude it (the default).
    case flag
    /// Drop it (``Verdict/optedOut(_:)``), counted by the loader.
    case drop
}

/// The key medical fields are encrypted with: an id stored beside each ciphertext (for rotation)
/// and 32 bytes of key material from configuration.
public struct MedicalFieldKey: Sendable, Equatable {
    /// Stored in every envelope as `kid`, so old rows stay readable after rotation.
    public var id: String
    /// AES-256 key, exactly 32 bytes.
    public var bytes: [UInt8]

    /// Creates a key; `bytes` must be 32 bytes (other lengths reject medical events with a reason).
    public init(id: String, bytes: [UInt8]) {
        self.id = id
        self.bytes = bytes
    }
}

/// Privacy rules applied during normalization. Plain data: the loader fills it from the policy
/// tables; the defaults are the seeds' rules.
public struct PrivacyPolicy: Sendable, Equatable {
    /// Email / phone handling. Default `.hash`.
    public var piiAction: PIIAction = .hash
    /// The tenant's HMAC-SHA256 secret. With `.hash` and no secret, PII is stripped (never stored raw).
    public var piiHashSecret: [UInt8]?
    /// Field names holding emails, matched anywhere in a payload, ignoring case, `_` and `-`.
    public var emailFieldNames: [String] = ["email", "email_address", "e_mail", "user_email", "contact_email"]
    /// Field names holding phone numbers (same matching).
    public var phoneFieldNames: [String] = ["phone", "phone_number", "mobile", "mobile_number", "telephone", "msisdn", "contact_phone"]
    /// Free-form objects whose string values are also checked by pattern (email, phone).
    public var freeFormFieldNames: [String] = ["metadata", "customAttributes", "attributes", "properties"]
    /// IP address handling. Default `.truncate`.
    public var ipAddressAction: IPAddressAction = .truncate
    /// Field names holding IP addresses (same matching).
    public var ipAddressFieldNames: [String] = ["ip_address", "ip", "client_ip"]
    /// Medical field handling. Default `.encrypt`.
    public var medicalAction: MedicalFieldAction = .encrypt
    /// Key for `.encrypt`. Without one, events carrying medical fields are rejected (fail closed).
    public var medicalKey: MedicalFieldKey?
    /// Medical field names per contract and type, matched at any depth of that type's payload.
    public var medicalFields: [Contract: [String: [String]]] = PrivacyPolicy.seedMedicalFields

    /// Seed 003's device/clinical types and the fields that identify a patient or describe them.
    public static let seedMedicalFields: [Contract: [String: [String]]] = {
        let clinical = ["patient_id", "prescription_id", "patient_demographics", "patient_response", "medical_conditions",
                        "date_of_birth", "diagnosis", "healthcare_provider"]
        var pocm: [String: [String]] = [
            "device_activation": ["patient_id", "prescription_id", "healthcare_provider"],
            "patch_application": ["patient_id"],
            "sensor_reading": ["patient_id"],
            "dosage_delivery": ["patient_id", "patient_response"],
            "adverse_event": ["patient_id", "patient_demographics", "event_description"],
        ]
        for type in ["efficacy_measurement", "patient_outcome", "clinical_data", "regulatory_report"] { pocm[type] = clinical }
        return [.pocm: pocm]
    }()

    /// The seeds' defaults: hash PII (needs a secret, else strip), truncate IPs, encrypt medical fields (needs a key).
    public init() {}
}

/// Deterministic sampling per (contract, type): a user is kept or dropped for a whole journey.
public struct SamplingPolicy: Sendable, Equatable {
    /// Keep-rates in 0…1 per contract and type; `"*"` is the contract's default. Missing = keep all.
    public var rates: [Contract: [String: Double]] = [:]
    /// Mixed into the hash so different deployments sample different users.
    public var salt: String = ""

    /// Keep everything (the default).
    public init(rates: [Contract: [String: Double]] = [:], salt: String = "") {
        self.rates = rates
        self.salt = salt
    }

    /// The keep-rate for a type, or nil when everything is kept.
    @inline(__always)
    func rate(_ contract: Contract, _ type: String) -> Double? {
        // No policy (the default): skip hashing the contract for every event.
        if rates.isEmpty { return nil }
        guard let table = rates[contract] else { return nil }
        return table[type] ?? table["*"]
    }
}

/// Users who opted out of personalization (seed 004), and what to do with their events.
public struct OptOutPolicy: Sendable, Equatable {
    /// Canonical user ids that opted out.
    public var userIds: Set<String>
    /// Flag (default) or drop.
    public var action: OptOutAction

    /// No opt-outs, flag by default.
    public init(userIds: Set<String> = [], action: OptOutAction = .flag) {
        self.userIds = userIds
        self.action = action
    }
}

/// Everything normalization needs besides the line: who sent it, when it arrived, limits and
/// policies. Plain data with documented defaults; build one per source (or per batch).
public struct NormalizationContext: Sendable {
    /// The tenant of the source (CLI `--tenant`, API key). An event's own `tenant_id` must equal it.
    public var tenantId: String
    /// Skip that check: each event's own `tenant_id` is taken as it is (`sluice validate` without
    /// `--tenant`, which checks events offline, before anyone says whose they are). Never for loading.
    public var acceptsEventTenant = false
    /// Arrival time, µs since the Unix epoch (UTC). Also the occurrence time of events without one.
    public var receivedAt: Int64
    /// How far in the future `occurred_at` may be, in µs. Default 24 h.
    public var allowedFutureSkew: Int64 = 24 * 3_600 * 1_000_000
    /// Line size and nesting limits (default 1 MiB, depth 64).
    public var limits = ReaderLimits()
    /// Most errors reported per event (default 20; the rest are counted in one extra entry).
    public var maxErrorsPerEvent = 20
    /// Privacy rules (default: the seeds').
    public var privacy: PrivacyPolicy { didSet { compiledPrivacy = CompiledPrivacy(privacy) } }
    /// Sampling (default: keep all).
    public var sampling = SamplingPolicy()
    /// Opt-outs (default: none).
    public var optOut = OptOutPolicy()

    private(set) var compiledPrivacy: CompiledPrivacy

    /// Creates a context; `receivedAt` defaults to the current time.
    public init(tenantId: String, receivedAt: Int64 = NormalizationContext.nowMicroseconds(), privacy: PrivacyPolicy = PrivacyPolicy()) {
        self.tenantId = tenantId
        self.receivedAt = receivedAt
        self.privacy = privacy
        self.compiledPrivacy = CompiledPrivacy(privacy)
    }

    /// The wall clock in µs since the Unix epoch.
    public static func nowMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000
    }
}
