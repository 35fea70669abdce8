import EventContracts

/// Tells a misconfigured run from bad data. When the first `lines` lines of a run (`sluice load`,
/// `sluice consume`) are all rejected for the same reason, it is the command that is wrong — the
/// contract, the tenant, the field a queue entry carries its event in — not the data: loading on
/// would dead-letter every line (and acknowledge a whole queue) and bury the mistake.
///
/// A value-type state machine: fed each validated batch in order, it says whether the batch may
/// commit, must wait for more lines (every line so far failed the same way, but fewer than
/// `lines`), or the run must stop. The caller performs the action. Once a line passes or fails
/// differently the check is over for the run and costs nothing more.
///
/// "The same reason" is the line's *first* error: its JSON Pointer field with array indices
/// written `*`, and its message with the values taken out (quoted text becomes `"…"`, digits `#`),
/// so `tenant_id "a" differs …` and `tenant_id "b" differs …` are one reason.
public struct MisconfigurationCheck: Sendable {
    /// `--misconfig-lines`' default: the first 200 lines.
    public static let defaultLines = 200
    /// An input (or a queue gone quiet) that ends before `lines` stops the run only when at least
    /// this many lines, all failing the same way, were seen: below it, a few bad lines are just
    /// bad lines. Capped at `lines`.
    public static let minimumLines = 20
    /// How many of the lines to keep for the diagnosis (their raw bytes).
    static let sampleSize = 20

    /// A rejection's reason with its values taken out.
    public struct Reason: Hashable, Sendable {
        /// The JSON Pointer, array indices as `*` (`""`: the whole line).
        public var field: String
        public var message: String

        public init(_ error: FieldError) {
            field = Self.generalized(field: error.field)
            message = Self.strippingValues(error.message)
        }

        /// `/items/3/sku` → `/items/*/sku`.
        static func generalized(field: String) -> String {
            guard field.contains(where: \.isNumber) else { return field }
            return field.split(separator: "/", omittingEmptySubsequences: false)
                .map { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } ? "*" : String($0) }
                .joined(separator: "/")
        }

        /// Quoted text (JSON-style, with backslash escapes) becomes `"…"`, each run of digits `#`.
        static func strippingValues(_ message: String) -> String {
            var result = String.UnicodeScalarView()
            var inQuote = false
            var escaped = false
            var inDigits = false
            for scalar in message.unicodeScalars {
                if inQuote {
                    if escaped {
                        escaped = false
                    } else if scalar == "\\" {
                        escaped = true
                    } else if scalar == "\"" {
                        inQuote = false
                        result.append(contentsOf: "\"…\"".unicodeScalars)
                    }
                    continue
                }
                if scalar == "\"" {
                    inQuote = true
                    inDigits = false
                    continue
                }
                if ("0"..."9").contains(scalar) {
                    if !inDigits { result.append("#") }
                    inDigits = true
                    continue
                }
                inDigits = false
                result.append(scalar)
            }
            if inQuote { result.append(contentsOf: "\"…".unicodeScalars) }
            return String(result)
        }
    }

    /// One of the lines, kept for the diagnosis.
    public struct Sample: Sendable, Equatable {
        /// The line number (for queue messages: their position, see `QueueMessageRef`).
        public var number: Int64
        public var bytes: [UInt8]
    }

    /// Lines that all failed the same way.
    public struct Finding: Sendable, Equatable {
        public var reason: Reason
        /// The first line's first error, values kept.
        public var example: FieldError
        /// How many lines failed this way.
        public var lines: Int
        /// How many of them were committed (dead-lettered) before the check could tell: held lines
        /// are let go when their input ends, or their queue goes quiet, with fewer than the minimum.
        public var released: Int
        /// The input ended (or the queue went quiet) before `lines` lines: these are all there were.
        public var wholeInput: Bool
        /// The first lines' bytes (at most `sampleSize`).
        public var samples: [Sample]
    }

    public enum State: Sendable, Equatable {
        /// Every line so far failed the same way (or none was seen yet).
        case watching
        /// A line passed, or failed otherwise, or the check is off: every batch commits.
        case cleared
        /// The run must stop.
        case stopped(Finding)
    }

    public enum Action: Sendable, Equatable {
        /// This batch may commit; batches held before it stay held (it had no line the check looks at).
        case commit
        /// This batch and every batch held before it may commit.
        case release
        /// Keep this batch uncommitted: every line so far failed the same way, fewer than `lines`.
        case hold
        /// Commit nothing of the held batches or this one: the run is misconfigured.
        case stop(Finding)
    }

    /// How many first lines decide (0: the check is off).
    public let lines: Int
    /// The fewest lines that stop a run whose input ends before `lines`.
    public let minimum: Int
    public private(set) var state: State

    private var reason: Reason?
    private var example: FieldError?
    private var seen = 0
    private var released = 0
    private var held = 0
    private var samples: [Sample] = []

    /// - Parameter lines: how many first lines, all failing the same way, stop the run; 0 turns
    ///   the check off.
    public init(lines: Int = MisconfigurationCheck.defaultLines) {
        self.lines = max(0, lines)
        self.minimum = min(Self.minimumLines, self.lines)
        self.state = self.lines == 0 ? .cleared : .watching
    }

    /// Looks at the next batch of the run. Lines at `ignoring` do not count either way (poison
    /// queue messages: their fault is having been delivered too often, not the command).
    public mutating func feed(_ batch: ValidatedBatch, ignoring: Set<Int> = []) -> Action {
        switch state {
        case .cleared: return .release
        case .stopped(let finding): return .stop(finding)
        case .watching: break
        }
        // Fewer rejections than lines to look at: one of those lines passed.
        let wanted = lines - seen
        let examinable = ignoring.isEmpty ? batch.raw.lines.count : batch.raw.lines.indices.count(where: { !ignoring.contains($0) })
        let rejected = ignoring.isEmpty ? batch.rejected.count : batch.rejected.count(where: { !ignoring.contains($0.lineIndex) })
        if rejected < min(wanted, examinable) {
            return clear()
        }
        var firstErrors: [Int: FieldError] = [:]
        firstErrors.reserveCapacity(min(batch.rejected.count, wanted))
        for rejection in batch.rejected where !ignoring.contains(rejection.lineIndex) {
            firstErrors[rejection.lineIndex] = rejection.errors.first ?? FieldError(field: "", message: "")
        }
        var examined = 0
        for index in batch.raw.lines.indices where !ignoring.contains(index) {
            guard seen < lines else { break }
            guard let error = firstErrors[index] else { return clear() }
            let lineReason = Reason(error)
            if let reason {
                guard lineReason == reason else { return clear() }
            } else {
                reason = lineReason
                example = error
            }
            seen += 1
            examined += 1
            if samples.count < Self.sampleSize {
                samples.append(Sample(number: batch.raw.lines[index].number, bytes: batch.raw.lineBytes(index)))
            }
        }
        if seen >= lines {
            return stop(wholeInput: false)
        }
        guard examined > 0 else { return .commit }
        held += examined
        return .hold
    }

    /// The input ended (or, for a queue, no new message came for a while) with lines held: with at
    /// least `minimum` of them failing the same way the run stops; with fewer they may commit, and
    /// the check keeps watching the run's next lines. Returns the finding to stop with, or nil.
    public mutating func inputEnded() -> Finding? {
        switch state {
        case .cleared:
            return nil
        case .stopped(let finding):
            return finding
        case .watching:
            guard seen >= minimum, seen > 0 else {
                released += held
                held = 0
                return nil
            }
            guard case .stop(let finding) = stop(wholeInput: true) else { return nil }
            return finding
        }
    }

    private mutating func clear() -> Action {
        state = .cleared
        samples = []
        return .release
    }

    private mutating func stop(wholeInput: Bool) -> Action {
        guard let reason, let example else { return clear() }
        let finding = Finding(reason: reason, example: example, lines: seen, released: released, wholeInput: wholeInput, samples: samples)
        state = .stopped(finding)
        return .stop(finding)
    }
}
