import Foundation

/// A bounded hand-off from the reader thread (blocking `send`) to async writer tasks (`receive`).
///
/// The bound is what keeps memory flat whatever the input size: the reader stops reading while
/// `capacity` batches wait for a writer.
///
/// `@unchecked Sendable`: every field is read and written only while `condition` is locked, and
/// continuations are resumed after unlocking.
final class BatchChannel<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer: [Element] = []
    private var receivers: [CheckedContinuation<Element?, Never>] = []
    private var closed = false
    private var cancelled = false
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Blocks while the channel is full. Returns false when the receivers are gone (stop reading).
    @discardableResult
    func send(_ element: Element) -> Bool {
        condition.lock()
        while buffer.count >= capacity && !cancelled { condition.wait() }
        if cancelled {
            condition.unlock()
            return false
        }
        if !receivers.isEmpty {
            let receiver = receivers.removeFirst()
            condition.unlock()
            receiver.resume(returning: element)
            return true
        }
        buffer.append(element)
        condition.unlock()
        return true
    }

    /// No more elements will be sent; waiting receivers get `nil`.
    func close() {
        condition.lock()
        closed = true
        let waiting = receivers
        receivers.removeAll()
        condition.unlock()
        for receiver in waiting { receiver.resume(returning: nil) }
    }

    /// The receivers stopped (an error): unblock and stop the sender.
    func cancel() {
        condition.lock()
        cancelled = true
        closed = true
        buffer.removeAll()
        let waiting = receivers
        receivers.removeAll()
        condition.broadcast()
        condition.unlock()
        for receiver in waiting { receiver.resume(returning: nil) }
    }

    /// The next element, or `nil` once the channel is closed and drained.
    func receive() async -> Element? {
        await withCheckedContinuation { continuation in
            condition.lock()
            if !buffer.isEmpty {
                let element = buffer.removeFirst()
                condition.signal()
                condition.unlock()
                continuation.resume(returning: element)
            } else if closed {
                condition.unlock()
                continuation.resume(returning: nil)
            } else {
                receivers.append(continuation)
                condition.unlock()
            }
        }
    }
}
