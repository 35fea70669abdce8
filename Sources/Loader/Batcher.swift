/// Decides when the lines read so far form a batch: by rows, by bytes, or by age (so a slow stream
/// on stdin still commits promptly). A value-type state machine: the reader feeds it events and
/// performs the action it returns.
public struct Batcher: Sendable {
    /// Flush thresholds.
    public struct Limits: Sendable, Equatable {
        public var maxRows: Int
        public var maxBytes: Int
        /// The longest a line may wait in an open batch before it is flushed.
        public var maxDelay: Duration

        public init(maxRows: Int = 10_000, maxBytes: Int = 8 << 20, maxDelay: Duration = .seconds(1)) {
            self.maxRows = max(1, maxRows)
            self.maxBytes = max(1, maxBytes)
            self.maxDelay = maxDelay
        }
    }

    public enum State: Sendable, Equatable {
        case empty
        case filling(rows: Int, bytes: Int, openedAt: ContinuousClock.Instant)
        case finished
    }

    public enum Action: Sendable, Equatable {
        case none
        /// Hand the open batch to the writers.
        case flush
        /// Hand over the open batch (if any rows) and stop: the input ended.
        case flushAndFinish
    }

    public let limits: Limits
    public private(set) var state: State = .empty

    public init(limits: Limits) {
        self.limits = limits
    }

    /// A line of `byteCount` bytes joined the open batch.
    public mutating func lineAdded(byteCount: Int, now: ContinuousClock.Instant) -> Action {
        switch state {
        case .finished:
            return .none
        case .empty:
            state = .filling(rows: 1, bytes: byteCount, openedAt: now)
        case .filling(let rows, let bytes, let openedAt):
            state = .filling(rows: rows + 1, bytes: bytes + byteCount, openedAt: openedAt)
        }
        guard case .filling(let rows, let bytes, _) = state else { return .none }
        if rows >= limits.maxRows || bytes >= limits.maxBytes {
            state = .empty
            return .flush
        }
        return .none
    }

    /// Time passed without input (the reader polls with a timeout).
    public mutating func tick(now: ContinuousClock.Instant) -> Action {
        switch state {
        case .empty, .finished:
            return .none
        case .filling(_, _, let openedAt):
            guard openedAt.duration(to: now) >= limits.maxDelay else { return .none }
            state = .empty
            return .flush
        }
    }

    /// The input ended.
    public mutating func endOfInput() -> Action {
        switch state {
        case .finished:
            return .none
        case .empty, .filling:
            state = .finished
            return .flushAndFinish
        }
    }

    /// How long the reader may block before `tick` is due, or `nil` to block until input.
    public func pollTimeout(now: ContinuousClock.Instant) -> Duration? {
        switch state {
        case .empty, .finished:
            return nil
        case .filling(_, _, let openedAt):
            let waited = openedAt.duration(to: now)
            return waited >= limits.maxDelay ? .zero : limits.maxDelay - waited
        }
    }
}
