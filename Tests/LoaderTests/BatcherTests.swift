import Loader
import Testing

@Suite("Batcher state machine")
struct BatcherTests {
    let start = ContinuousClock.now

    @Test("flushes at the row limit, then at the byte limit")
    func rowAndByteLimits() {
        var batcher = Batcher(limits: .init(maxRows: 3, maxBytes: 100, maxDelay: .seconds(1)))
        #expect(batcher.lineAdded(byteCount: 10, now: start) == .none)
        #expect(batcher.lineAdded(byteCount: 10, now: start) == .none)
        #expect(batcher.lineAdded(byteCount: 10, now: start) == .flush)
        #expect(batcher.state == .empty)
        #expect(batcher.lineAdded(byteCount: 60, now: start) == .none)
        #expect(batcher.lineAdded(byteCount: 40, now: start) == .flush)
    }

    @Test("flushes an open batch once its oldest line waited maxDelay")
    func ageLimit() {
        var batcher = Batcher(limits: .init(maxRows: 100, maxBytes: 1 << 20, maxDelay: .milliseconds(500)))
        #expect(batcher.pollTimeout(now: start) == nil)
        #expect(batcher.tick(now: start + .seconds(5)) == .none)
        _ = batcher.lineAdded(byteCount: 1, now: start)
        #expect(batcher.pollTimeout(now: start + .milliseconds(200)) == .milliseconds(300))
        #expect(batcher.tick(now: start + .milliseconds(499)) == .none)
        #expect(batcher.tick(now: start + .milliseconds(500)) == .flush)
        #expect(batcher.pollTimeout(now: start + .seconds(1)) == nil)
    }

    @Test("end of input flushes once and then stays finished")
    func endOfInput() {
        var batcher = Batcher(limits: .init())
        _ = batcher.lineAdded(byteCount: 1, now: start)
        #expect(batcher.endOfInput() == .flushAndFinish)
        #expect(batcher.endOfInput() == .none)
        #expect(batcher.lineAdded(byteCount: 1, now: start) == .none)
        #expect(batcher.state == .finished)
    }
}
