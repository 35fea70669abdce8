import Loader
import Testing

/// The one backoff every retry loop uses: its window lasts as long as it says.
@Suite("Backoff")
struct BackoffTests {
    /// The attempt times (seconds after the first failure) a loop makes when every attempt fails at
    /// once, as a refused connection does.
    static func schedule(_ backoff: inout Backoff) -> [Double] {
        let start = ContinuousClock.now
        var now = start
        var attempts: [Double] = [0]
        for _ in 0..<100 {
            guard let pause = backoff.nextPause(failedAt: now) else { break }
            now += pause
            attempts.append(start.duration(to: now).inSecondsForTest)
        }
        return attempts
    }

    @Test("a 10 s window: 0.2 s doubling to 5 s, the last pause cut so the final attempt is at 10 s, then no more")
    func lastAttemptAtTheDeadline() {
        var backoff = Backoff(window: .seconds(10))
        let attempts = Self.schedule(&backoff)
        #expect(attempts.map { ($0 * 10).rounded() / 10 } == [0, 0.2, 0.6, 1.4, 3.0, 6.2, 10.0], "\(attempts)")
    }

    @Test("a 60 s window ends at 60 s exactly; pauses never exceed 5 s")
    func longWindow() {
        var backoff = Backoff(window: .seconds(60))
        let attempts = Self.schedule(&backoff)
        #expect(abs((attempts.last ?? 0) - 60) < 0.000_001, "\(attempts)")
        let pauses = zip(attempts.dropFirst(), attempts).map { $0 - $1 }
        #expect(pauses.allSatisfy { $0 <= 5.000_001 }, "\(pauses)")
    }

    @Test("jitter never carries an attempt past the window's end")
    func jitterIsClamped() {
        for _ in 0..<50 {
            var backoff = Backoff(window: .seconds(3), jitter: .milliseconds(900))
            let attempts = Self.schedule(&backoff)
            #expect(abs((attempts.last ?? 0) - 3) < 0.000_001, "\(attempts)")
        }
    }

    @Test("no window: the first failure is the last; reset opens a new window from the first pause")
    func zeroWindowAndReset() {
        var none = Backoff(window: .zero)
        #expect(none.nextPause() == nil)

        var backoff = Backoff(window: .seconds(10))
        let start = ContinuousClock.now
        _ = backoff.nextPause(failedAt: start)
        _ = backoff.nextPause(failedAt: start + .seconds(9))
        backoff.reset()
        // An hour later: a new window, not the one that opened at `start`.
        let later = start + .seconds(3600)
        #expect(backoff.nextPause(failedAt: later) == .milliseconds(200))
        #expect(backoff.failingSince == later)
    }
}

extension Duration {
    fileprivate var inSecondsForTest: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
