/// One ``MisconfigurationCheck`` shared by the writers of a run, and the batches it holds back.
///
/// - `sluice load` (``admit(_:)``, ``endOfInput()``): batches are examined in read order — writers
///   validate in parallel, so batch 1 may arrive before batch 0 and waits here for it. A held batch
///   does not block its writer, which goes on with the next batch (the check needs more lines to
///   decide, and only the writers validate them); the held batches are handed back to the writer
///   whose batch decides, or at the end of the input.
/// - queue consumers (``admitWhenDecided(_:ignoring:)``): a consumer acknowledges a batch once its
///   commit returns, so a held batch must be committed by its own writer, which waits here until the
///   check decides — or until no batch came for `quiet`: a queue has no end, and going quiet is the
///   nearest thing (all writers may be waiting here, with nobody left to validate more).
actor MisconfigurationGate {
    private var check: MisconfigurationCheck
    private let queueMessages: Bool
    private let quiet: Duration
    /// For the diagnosis: the run's contract, tenant and policies.
    private var validator: BatchValidator?
    private var failure: Misconfiguration?

    // sluice load
    private var nextSequence = 0
    private var early: [Int: ValidatedBatch] = [:]
    private var held: [ValidatedBatch] = []

    // queues
    private var lastFed = ContinuousClock.now
    private var releases = 0

    init(lines: Int, validator: BatchValidator? = nil, queueMessages: Bool = false, quiet: Duration = .seconds(5)) {
        self.check = MisconfigurationCheck(lines: lines)
        self.validator = validator
        self.queueMessages = queueMessages
        self.quiet = quiet
    }

    /// `sluice load`: the next input starts (its batches are numbered from 0 again).
    func beginInput(validator: BatchValidator) {
        self.validator = validator
        nextSequence = 0
        early = [:]
    }

    /// `sluice load`: the batches that may be written now — possibly none (held), possibly several
    /// (this one released those held before it).
    /// - Throws: ``Misconfiguration``: write nothing more.
    func admit(_ batch: ValidatedBatch) throws -> [ValidatedBatch] {
        if case .cleared = check.state { return [batch] }
        early[batch.raw.sequence] = batch
        var ready: [ValidatedBatch] = []
        while let next = early.removeValue(forKey: nextSequence) {
            nextSequence += 1
            switch check.feed(next) {
            case .commit:
                ready.append(next)
            case .release:
                ready += held + [next] + early.sorted { $0.key < $1.key }.map(\.value)
                held = []
                early = [:]
                return ready
            case .hold:
                held.append(next)
            case .stop(let finding):
                held = []
                early = [:]
                throw misconfiguration(finding)
            }
        }
        return ready
    }

    /// `sluice load`: the input was read to its end and every batch admitted; the batches held
    /// back may be written now (fewer than the minimum lines failed), unless the run must stop.
    /// - Throws: ``Misconfiguration``.
    func endOfInput() throws -> [ValidatedBatch] {
        // Batches after a gap cannot be left for later: the input is over.
        var ready: [ValidatedBatch] = []
        for (_, batch) in early.sorted(by: { $0.key < $1.key }) {
            switch check.feed(batch) {
            case .commit: ready.append(batch)
            case .release:
                ready += held + [batch]
                held = []
            case .hold: held.append(batch)
            case .stop(let finding):
                held = []
                early = [:]
                throw misconfiguration(finding)
            }
        }
        early = [:]
        if let finding = check.inputEnded() {
            held = []
            throw misconfiguration(finding)
        }
        ready += held
        held = []
        return ready
    }

    /// Queues: returns once `batch` may commit; waits while the check holds it.
    /// - Parameter ignoring: lines the check does not count (poison messages).
    /// - Throws: ``Misconfiguration``: commit nothing, acknowledge nothing.
    func admitWhenDecided(_ batch: ValidatedBatch, ignoring: Set<Int>) async throws {
        lastFed = .now
        switch check.feed(batch, ignoring: ignoring) {
        case .commit:
            return
        case .release:
            releases += 1
            return
        case .stop(let finding):
            throw misconfiguration(finding)
        case .hold:
            break
        }
        let generation = releases
        while true {
            // Polled rather than signalled: it happens only in the first seconds of a run whose
            // first messages all failed, and a sleeping task is cancelled with its consumer.
            try await Task.sleep(for: .milliseconds(20))
            if releases != generation { return }
            switch check.state {
            case .cleared:
                return
            case .stopped(let finding):
                throw misconfiguration(finding)
            case .watching:
                break
            }
            if lastFed.duration(to: .now) >= quiet {
                if let finding = check.inputEnded() { throw misconfiguration(finding) }
                releases += 1
                return
            }
        }
    }

    private func misconfiguration(_ finding: MisconfigurationCheck.Finding) -> Misconfiguration {
        if let failure { return failure }
        let made: Misconfiguration
        if let validator {
            made = Misconfiguration.diagnose(finding, validator: validator, queueMessages: queueMessages)
        } else {
            made = Misconfiguration(finding: finding, diagnosis: "check the options that say what to expect (--contract, --tenant)", queueMessages: queueMessages)
        }
        failure = made
        return made
    }
}
