import Foundation

/// The pauses between the attempts of something that may heal — a refused or lost connection, a
/// server that answers "not yet" — for exactly as long as a retry window says: 0.2 s, doubling up
/// to 5 s, the last pause cut to the time left, so that the final attempt falls on the window's end
/// and no earlier. With a 10 s window the attempts run at 0, 0.2, 0.6, 1.4, 3.0, 6.2 and 10.0 s.
///
/// The window opens at the first failure, not when the value is made: a writer that worked for an
/// hour before its connection broke still gets its whole window. `reset()` after a success makes the
/// next failure open a new one.
///
/// Every retry loop of `Loader` and `Queues` uses this one type, so they all mean the same thing by
/// `--retry-seconds`.
public struct Backoff: Sendable {
    /// How long attempts go on after the first failure.
    public let window: Duration
    /// The first pause; each next one is twice the last, up to `longest`.
    public let first: Duration
    public let longest: Duration
    /// Up to this much is added at random to each pause (never past the window's end), so clients
    /// that failed together do not retry in step.
    public let jitter: Duration
    private var next: Duration
    /// When the first failure of the current window was reported; nil before it (or after `reset()`).
    public private(set) var failingSince: ContinuousClock.Instant?

    public init(window: Duration, first: Duration = .milliseconds(200), longest: Duration = .seconds(5), jitter: Duration = .zero) {
        self.window = max(window, .zero)
        self.first = first
        self.longest = max(longest, first)
        self.jitter = jitter
        self.next = first
    }

    /// The pause before the next attempt, after an attempt that failed at `now`; nil when the window
    /// is over (the attempt that just failed was the last one).
    public mutating func nextPause(failedAt now: ContinuousClock.Instant = .now) -> Duration? {
        let since = failingSince ?? now
        failingSince = since
        let left = now.duration(to: since + window)
        guard left > .zero else { return nil }
        var pause = next
        if jitter > .zero { pause += jitter * Double.random(in: 0...1) }
        next = min(next * 2, longest)
        return min(pause, left)
    }

    /// A success: the next failure opens a new window and starts again at `first`.
    public mutating func reset() {
        failingSince = nil
        next = first
    }

    /// A pause or a wait as an operator reads it: `0.2 s`, `3.8 s`, `10.0 s`.
    public static func text(_ duration: Duration) -> String {
        let parts = duration.components
        let seconds = Double(parts.seconds) + Double(parts.attoseconds) / 1e18
        return String(format: "%.1f s", seconds)
    }
}
