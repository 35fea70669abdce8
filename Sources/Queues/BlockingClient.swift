import Foundation

/// Runs a blocking C client's calls on a serial queue of its own, so they never occupy Swift's
/// cooperative pool and the client is only ever used by one thread at a time.
///
/// `@unchecked Sendable`: `client` is touched only inside blocks on `queue`, which is serial.
final class BlockingClient<Client>: @unchecked Sendable {
    private let queue: DispatchQueue
    private var client: Client

    private init(queue: DispatchQueue, client: Client) {
        self.queue = queue
        self.client = client
    }

    /// Creates the client on its own queue (a blocking connect never runs on the cooperative pool).
    static func make(label: String, _ create: @escaping @Sendable () throws -> Client) async throws -> BlockingClient {
        let queue = DispatchQueue(label: label)
        let box: UncheckedBox<Client> = try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { UncheckedBox(try create()) })
            }
        }
        return BlockingClient(queue: queue, client: box.value)
    }

    /// Runs `body` with the client on the client's queue.
    func run<T: Sendable>(_ body: @escaping @Sendable (inout Client) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            queue.async {
                continuation.resume(with: Result { try body(&self.client) })
            }
        }
    }
}

/// Carries a freshly made client from its queue to its `BlockingClient`, which alone uses it after.
///
/// `@unchecked Sendable`: the value is handed over once and never used by the sender again.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// A bounded hand-off between async tasks: `send` waits while `capacity` elements wait.
actor AsyncChannel<Element: Sendable> {
    private var buffer: [Element] = []
    private var senders: [CheckedContinuation<Void, Never>] = []
    private var receivers: [CheckedContinuation<Element?, Never>] = []
    private var closed = false
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// False once the channel is closed (the element was not taken).
    @discardableResult
    func send(_ element: Element) async -> Bool {
        while buffer.count >= capacity && !closed {
            await withCheckedContinuation { senders.append($0) }
        }
        guard !closed else { return false }
        if !receivers.isEmpty {
            receivers.removeFirst().resume(returning: element)
        } else {
            buffer.append(element)
        }
        return true
    }

    /// The next element; nil once closed and drained.
    func receive() async -> Element? {
        if !buffer.isEmpty {
            let element = buffer.removeFirst()
            if !senders.isEmpty { senders.removeFirst().resume() }
            return element
        }
        if closed { return nil }
        return await withCheckedContinuation { receivers.append($0) }
    }

    /// No more elements: waiting receivers get nil, waiting senders give up.
    func close() {
        closed = true
        for receiver in receivers { receiver.resume(returning: nil) }
        receivers.removeAll()
        for sender in senders { sender.resume() }
        senders.removeAll()
    }
}
