import ArgumentParser
import EventContracts
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sluice validate`: a dry run of the loader's validation and normalization, offline.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check JSON-lines events against a contract, offline (no database).",
        discussion: """
            Reads one JSON event per line from FILE (or standard input with '-' or no FILE) \
            and prints one verdict per line on standard output:

              {"line":1,"ok":true,"type":"cart"}
              {"line":2,"ok":false,"errors":[{"field":"/data/cart_total/amount",
                "message":"must be >= 0"}]}

            Every error names its field as a JSON Pointer; "" is the line as a whole (not \
            JSON, not an object).

            Exit status: 0 when every line is valid, 1 when any line is invalid, 2 for usage \
            errors (unknown contract, unreadable file).

            Contracts: pocm (default), ingestion-api, growthos, platform, recs. Schemas are \
            listed in docs/contracts.md.

            Examples:
              sluice validate events.jsonl
              sluice validate --contract recs recs-events.jsonl
              kcat -C -b broker -t events -e | sluice validate --contract platform -
              sluice validate --tenant acme --max-errors 5 < batch.jsonl
            """
    )

    @Option(name: .long, help: "Contract the events follow: \(Contract.allCases.map(\.rawValue).joined(separator: ", ")).")
    var contract: String = Contract.pocm.rawValue

    @Option(name: .long, help: "Tenant of the source: an event's own tenant_id must equal it, as `sluice load --tenant` checks. Without it, each event's own tenant_id is accepted.")
    var tenant: String?

    @Option(name: .long, help: "Most errors reported per line.")
    var maxErrors: Int = 20

    @Option(name: .long, help: "How far in the future occurred_at may be, in hours.")
    var maxFutureSkewHours: Double = 24

    @Argument(help: "JSON-lines file to read; '-' or nothing reads standard input.")
    var file: String = "-"

    func validate() throws {
        if let tenant { try TenantName.check(tenant) }
        guard maxErrors >= 1 else { throw ValidationError("--max-errors must be 1 or more") }
        guard maxFutureSkewHours.isFinite, maxFutureSkewHours >= 0 else { throw ValidationError("--max-future-skew-hours must be 0 or more") }
    }

    func run() async throws {
        guard let contract = Contract(rawValue: contract) else {
            Self.printError("unknown contract \"\(self.contract)\"; choose one of: \(Contract.allCases.map(\.rawValue).joined(separator: ", "))")
            throw ExitCode(2)
        }
        let registry: EventContractRegistry
        do {
            registry = try EventContractRegistry()
        } catch {
            Self.printError("schemas failed to compile: \(error)")
            throw ExitCode(2)
        }
        let stream: UnsafeMutablePointer<FILE>
        if file == "-" {
            guard let standardInput = fdopen(STDIN_FILENO, "rb") else {
                Self.printError("cannot read standard input")
                throw ExitCode(2)
            }
            stream = standardInput
        } else {
            guard let opened = fopen(file, "rb") else {
                Self.printError("cannot read \(file): \(String(cString: strerror(errno))) (check the path and permissions)")
                throw ExitCode(2)
            }
            stream = opened
        }
        defer { fclose(stream) }

        var context = NormalizationContext(tenantId: tenant ?? "default")
        context.acceptsEventTenant = tenant == nil
        context.maxErrorsPerEvent = max(1, maxErrors)
        context.allowedFutureSkew = Int64(maxFutureSkewHours * 3_600_000_000)
        // Validation prints no payloads, so throwaway keys let medical and PII rules run offline.
        var privacy = PrivacyPolicy()
        var random = SystemRandomNumberGenerator()
        privacy.piiHashSecret = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) }
        privacy.medicalKey = MedicalFieldKey(id: "validate-ephemeral", bytes: (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) })
        context.privacy = privacy

        var anyInvalid = false
        var lineNumber = 0
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        var output: [UInt8] = []
        output.reserveCapacity(1 << 16)
        while true {
            let length = getline(&buffer, &capacity, stream)
            if length < 0 { break }
            lineNumber += 1
            guard let buffer else { break }
            var count = length
            if count > 0, buffer[count - 1] == 0x0A { count -= 1 }
            if count > 0, buffer[count - 1] == 0x0D { count -= 1 }
            let verdict = registry.process(line: UnsafeRawBufferPointer(start: buffer, count: count), contract: contract, context: context)
            let line: String
            switch verdict {
            case .accepted(let event):
                line = #"{"line":\#(lineNumber),"ok":true,"type":\#(JSONText.quoted(event.type))}"#
            case .sampledOut(let dropped), .optedOut(let dropped):
                line = #"{"line":\#(lineNumber),"ok":true,"type":\#(JSONText.quoted(dropped.type))}"#
            case .rejected(let errors):
                anyInvalid = true
                let list = errors.map(\.json)
                line = #"{"line":\#(lineNumber),"ok":false,"errors":[\#(list.joined(separator: ","))]}"#
            }
            output.append(contentsOf: line.utf8)
            output.append(0x0A)
            if output.count > 60_000 { flush(&output) }
        }
        if ferror(stream) != 0 {
            flush(&output)
            Self.printError("error while reading \(file): \(String(cString: strerror(errno)))")
            throw ExitCode(2)
        }
        flush(&output)
        if anyInvalid { throw ExitCode(1) }
    }

    private func flush(_ output: inout [UInt8]) {
        Self.write(output, to: STDOUT_FILENO)
        output.removeAll(keepingCapacity: true)
    }

    static func printError(_ message: String) {
        write(Array("sluice validate: \(message)\n".utf8), to: STDERR_FILENO)
    }

    /// Writes all bytes to a file descriptor (C `stdout`/`stderr` globals are not concurrency-safe).
    static func write(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                #if canImport(Glibc)
                guard let base = buffer.baseAddress else { return }
                let written = Glibc.write(descriptor, base + offset, buffer.count - offset)
                #else
                guard let base = buffer.baseAddress else { return }
                let written = Darwin.write(descriptor, base + offset, buffer.count - offset)
                #endif
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
