/// The schema documents shipped with Sluice (`Sources/EventContracts/Schemas/<contract>/<type>.v<N>.json`).
public enum SchemaDocuments {
    /// One document's identity as declared in its `x-sluice-*` annotations.
    public struct Info: Sendable, Equatable {
        /// Path under `Schemas/`, e.g. `pocm/cart.v1.json`.
        public var path: String
        /// Contract the document belongs to.
        public var contract: Contract
        /// Event type, or `envelope` for a contract's envelope.
        public var type: String
        /// Schema version.
        public var version: Int
        /// True for pocm types without a payload schema (any JSON object accepted).
        public var isOpen: Bool
    }
}

/// One event type of a contract: its name and the compiled node of each schema version.
struct CompiledEventType: Sendable {
    var name: [UInt8]
    var nameString: String
    var versions: [(version: Int, node: Int32)]

    /// The node of `version`, if the type has it.
    @inline(__always)
    func node(version: Int) -> Int32? {
        for entry in versions where entry.version == version { return entry.node }
        return nil
    }
}

/// A contract's compiled schemas. A class, immutable after `init`, so handing it to each line's
/// normalizer costs one retain instead of one per array inside.
final class CompiledContract: Sendable {
    let envelope: [(version: Int, node: Int32)]
    let types: [CompiledEventType]
    /// The top-level members the contract's mapping reads, found in one pass per line.
    let topLevel: MemberNames
    /// ingestion-api only: the members of `payload` its mapping reads.
    let payloadNames: MemberNames
    /// Where each type's schema describes the whole event (platform, recs): the top-level fields
    /// every type requires, besides the type itself. An event without a type is told these too.
    let commonRequired: [String]

    /// Type indices by name length (< 64; longer names in the last bucket): a type name is compared
    /// only with names of its length (pocm has 45 types).
    private let typesByLength: [[Int]]

    init(contract: Contract, envelope: [(version: Int, node: Int32)], types: [CompiledEventType], store: SchemaStore) {
        self.envelope = envelope
        self.types = types
        var buckets = [[Int]](repeating: [], count: 64)
        for (index, type) in types.enumerated() { buckets[min(type.name.count, 63)].append(index) }
        typesByLength = buckets
        topLevel = MemberNames(contract.topLevelNames)
        payloadNames = MemberNames(contract == .ingestionAPI ? IngestionAPIPayloadNames.names : [])
        switch contract {
        case .platform, .recs:
            let typeKey = contract == .platform ? "event_name" : "eventType"
            let requiredSets = types.compactMap { type in type.versions.last.map { Set(store.requiredNames(of: $0.node)) } }
            let common = requiredSets.dropFirst().reduce(requiredSets.first ?? []) { $0.intersection($1) }
            commonRequired = common.subtracting([typeKey]).sorted()
        case .pocm, .ingestionAPI, .growthos:
            // pocm and ingestion-api have an envelope schema of their own; growthos one schema.
            commonRequired = []
        }
    }

    func type(named bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        for index in typesByLength[min(bytes.count, 63)] {
            if types[index].name.withUnsafeBufferPointer({ name in
                guard name.count == bytes.count else { return false }
                guard let a = name.baseAddress, let b = bytes.baseAddress else { return name.count == bytes.count }
                return memcmpEqual(a, b, bytes.count)
            }) { return index }
        }
        return nil
    }
}

/// Every contract's schemas, compiled once at start-up, and the validator/normalizer that uses
/// them. Immutable and `Sendable`: share one instance across all loader tasks.
///
/// ```swift
/// let registry = try EventContractRegistry()
/// let context = NormalizationContext(tenantId: "acme")
/// switch registry.process(line: bytes, contract: .pocm, context: context) {
/// case .accepted(let event): …
/// case .rejected(let errors): …   // dead letter with errors
/// case .sampledOut, .optedOut: …  // count
/// }
/// ```
public struct EventContractRegistry: Sendable {
    let store: SchemaStore
    /// Indexed by ``Contract/ordinal``; nil for a contract without schemas.
    let contracts: [CompiledContract?]
    /// Indexed by ``Contract/ordinal``: the fused single-pass path (``FastPath``), nil when a
    /// contract's schemas do not have the shape it relies on.
    let fastPlans: [FastPlan?]
    /// The documents compiled into this registry.
    public let documents: [SchemaDocuments.Info]

    /// Compiles the embedded schema documents. Throws only if a shipped document is broken
    /// (a build defect the test suite catches), never because of input.
    ///
    /// `fastPath: false` sends every line through the general path (tape, schema walk, privacy
    /// rewrite), which the fused fast path must agree with; for comparisons and troubleshooting.
    public init(fastPath: Bool = true) throws {
        try self.init(documents: SchemaDocuments.embedded, fastPath: fastPath)
    }

    /// Compiles the given documents (`path`, JSON text); for tests and tools.
    init(documents sources: [(path: String, json: String)], fastPath: Bool = true) throws {
        var compiler = SchemaCompiler()
        var envelopes = [[(version: Int, node: Int32)]?](repeating: nil, count: Contract.allCases.count)
        var typeLists = [[CompiledEventType]](repeating: [], count: Contract.allCases.count)
        var infos: [SchemaDocuments.Info] = []
        for (path, json) in sources {
            let root: JSONValue
            switch JSONValue.parse(json) {
            case .success(let value): root = value
            case .failure(let error):
                throw SchemaCompileError(document: path, location: "", message: "invalid JSON at byte \(error.offset): \(error.message)")
            }
            guard case .string(let contractName)? = root["x-sluice-contract"], let contract = Contract(rawValue: contractName),
                  case .string(let type)? = root["x-sluice-type"], case .number(let versionNumber)? = root["x-sluice-version"] else {
                throw SchemaCompileError(document: path, location: "", message: "x-sluice-contract, x-sluice-type and x-sluice-version are required")
            }
            let version = Int(versionNumber)
            let node = try compiler.compileDocument(named: path, root)
            let ordinal = contract.ordinal
            if envelopes[ordinal] == nil { envelopes[ordinal] = [] }
            if type == "envelope" {
                envelopes[ordinal]?.append((version, node))
            } else if let index = typeLists[ordinal].firstIndex(where: { $0.nameString == type }) {
                typeLists[ordinal][index].versions.append((version, node))
            } else {
                typeLists[ordinal].append(CompiledEventType(name: Array(type.utf8), nameString: type, versions: [(version, node)]))
            }
            var isOpen = false
            if case .bool(true)? = root["x-sluice-open"] { isOpen = true }
            infos.append(SchemaDocuments.Info(path: path, contract: contract, type: type, version: version, isOpen: isOpen))
        }
        store = SchemaStore(builder: compiler.builder)
        let store = self.store
        // A contract is present once any of its documents was compiled (`envelopes` marks it).
        contracts = Contract.allCases.map { contract in
            envelopes[contract.ordinal].map { CompiledContract(contract: contract, envelope: $0, types: typeLists[contract.ordinal], store: store) }
        }
        documents = infos
        fastPlans = zip(Contract.allCases, contracts).map { contract, compiled in
            fastPath ? compiled.flatMap { FastPlan(contract: contract, compiled: $0, store: store) } : nil
        }
    }

    /// The event types a contract accepts (growthos: its single `event` document).
    public func eventTypes(of contract: Contract) -> [String] {
        contracts[contract.ordinal]?.types.map(\.nameString) ?? []
    }

    /// Validates and normalizes one input line (without its newline). An accepted event may share
    /// `line`'s storage instead of copying it (see ``process(line:in:contract:context:)``).
    public func process(line: [UInt8], contract: Contract, context: NormalizationContext) -> Verdict {
        process(line: 0..<line.count, in: line, contract: contract, context: context)
    }

    /// Validates and normalizes the line at `range` of `bytes` (without its newline), reading the
    /// bytes once. The common accepted event then *shares* `bytes` — its columns are ranges of it,
    /// nothing is allocated or copied — and so keeps the whole array alive while it lives (a
    /// loader's batch buffer, held until the batch is written anyway). Safe to call concurrently
    /// from many tasks; give each task its own array, so they do not share one reference count.
    public func process(line range: Range<Int>, in bytes: [UInt8], contract: Contract, context: NormalizationContext) -> Verdict {
        // The verdict is written in place rather than returned out of the closure (a generic
        // result, which the optimizer copies once more — an event is 120 bytes).
        var verdict = Verdict.rejected([])
        bytes.withUnsafeBytes { all in
            process(UnsafeRawBufferPointer(rebasing: all[range]), owner: bytes, offset: range.lowerBound, contract: contract, context: context,
                    into: &verdict)
        }
        return verdict
    }

    /// Validates and normalizes one input line (without its newline), reading the bytes once; an
    /// accepted event copies what it keeps. Safe to call concurrently from many tasks.
    public func process(line: UnsafeRawBufferPointer, contract: Contract, context: NormalizationContext) -> Verdict {
        var verdict = Verdict.rejected([])
        process(line, owner: nil, offset: 0, contract: contract, context: context, into: &verdict)
        return verdict
    }

    /// `owner`: the array `line` lies in at `offset`, which accepted events may share, or nil.
    private func process(_ line: UnsafeRawBufferPointer, owner: [UInt8]?, offset: Int, contract: Contract,
                         context: NormalizationContext, into verdict: inout Verdict) {
        guard line.count <= context.limits.maxLineBytes else {
            verdict = .rejected([FieldError(field: "", message: "line is \(line.count) bytes; the limit is \(context.limits.maxLineBytes) bytes")])
            return
        }
        guard let base = line.baseAddress, line.count > 0 else {
            verdict = .rejected([FieldError(field: "", message: "invalid JSON at byte 0: empty line: expected a JSON object")])
            return
        }
        // Most valid lines are accepted by one fused pass; everything else (and every rejection)
        // goes through the tape, the schema walk and the normalizer below.
        if let plan = fastPlans[contract.ordinal],
           FastPath.process(line, owner: owner, offset: offset, plan: plan, store: store, context: context, into: &verdict) {
            return
        }
        verdict = general(line, base: base, contract: contract, context: context)
    }

    /// The general path: tape, schema walk, normalization, privacy rewrite. Produces every rejection.
    func general(_ line: UnsafeRawBufferPointer, base: UnsafeRawPointer, contract: Contract, context: NormalizationContext) -> Verdict {
        // Tokens live on the stack (the standard library falls back to the heap for huge lines):
        // no allocation and no growable array per line.
        return withUnsafeTemporaryAllocation(of: JSONToken.self, capacity: JSONTapeReader.capacity(forByteCount: line.count)) { storage in
            let written: Int
            switch JSONTapeReader.read(line, maxDepth: context.limits.maxDepth, into: storage) {
            case .failure(let error) where error.inString:
                return .rejected([FieldError(field: JSONPointerLocator.pointer(at: error.offset, in: line),
                                             message: "\(error.message) (at byte \(error.offset))")])
            case .failure(let error):
                return .rejected([FieldError(field: "", message: "invalid JSON at byte \(error.offset): \(error.message)")])
            case .success(let count):
                written = count
            }
            let view = JSONView(bytes: base.assumingMemoryBound(to: UInt8.self), tokens: UnsafeBufferPointer(rebasing: storage[0..<written]))
            guard view[0].kind == .object else {
                return .rejected([FieldError(field: "", message: "the top level must be a JSON object")])
            }
            var normalizer = EventNormalizer(view: view, store: store, contract: contract, errorCap: context.maxErrorsPerEvent,
                                             privacy: context.compiledPrivacy)
            return normalizer.run(contracts[contract.ordinal], context: context)
        }
    }
}
