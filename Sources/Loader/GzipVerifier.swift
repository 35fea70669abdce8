import Foundation

/// How far into a `.gz` input (in decompressed bytes) the gzip members' CRC-32 checks have vouched
/// for the data. Writers wait here before committing a batch, so nothing decompressed from a corrupt
/// or truncated member is ever committed — neither as events nor as rejects.
///
/// `@unchecked Sendable`: every field is read and written only while `lock` is held; waiters are
/// resumed after unlocking.
final class VerifiedHorizon: @unchecked Sendable {
    private let lock = NSLock()
    private var verified: Int64 = 0
    /// Set when verification ended: why bytes past `verified` will never be verified.
    private var failure: String?
    private var waiters: [(offset: Int64, continuation: CheckedContinuation<Void, Error>)] = []

    /// Bytes `[0, offset)` are verified.
    func advance(to offset: Int64) {
        lock.lock()
        verified = max(verified, offset)
        let ready = takeWaiters { $0 <= verified }
        lock.unlock()
        for waiter in ready { waiter.resume() }
    }

    /// Verification ended at the verified offset: the file ended cleanly there, or `failure` says
    /// why it stopped.
    func finish(failure: String) {
        lock.lock()
        self.failure = failure
        let waiting = waiters
        waiters.removeAll()
        let verified = self.verified
        lock.unlock()
        for waiter in waiting {
            if waiter.offset <= verified {
                waiter.continuation.resume()
            } else {
                waiter.continuation.resume(throwing: Self.error(failure, verified: verified))
            }
        }
    }

    /// Returns once bytes `[0, offset)` are verified; throws when they never will be.
    func waitVerified(through offset: Int64) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            lock.lock()
            if offset <= verified {
                lock.unlock()
                continuation.resume()
            } else if let failure {
                let verified = self.verified
                lock.unlock()
                continuation.resume(throwing: Self.error(failure, verified: verified))
            } else {
                waiters.append((offset, continuation))
                lock.unlock()
            }
        }
    }

    private func takeWaiters(_ isReady: (Int64) -> Bool) -> [CheckedContinuation<Void, Error>] {
        var ready: [CheckedContinuation<Void, Error>] = []
        waiters.removeAll { waiter in
            guard isReady(waiter.offset) else { return false }
            ready.append(waiter.continuation)
            return true
        }
        return ready
    }

    private static func error(_ failure: String, verified: Int64) -> InputError {
        InputError(description: "\(failure); nothing after decompressed byte \(verified) was committed (repair or replace the file and run the same command again: it resumes at the last verified line)")
    }
}

/// Decompresses a `.gz` file on a thread of its own, ahead of the reader, and reports through a
/// ``VerifiedHorizon`` how far its members have checked out. (gzip verifies a member only at its
/// end: for a single-member file the data is vouched for only once the whole file was decompressed,
/// so the load commits its first batch after that; multi-member files commit member by member.)
enum GzipVerifier {
    static func start(path: String, horizon: VerifiedHorizon) {
        let thread = Thread {
            do {
                let gzip = try GzipByteSource(try FileByteSource(path: path))
                var buffer = [UInt8](repeating: 0, count: 1 << 20)
                while true {
                    let count = try buffer.withUnsafeMutableBytes { try gzip.read(into: $0) }
                    horizon.advance(to: gzip.verifiedOutput)
                    if count == 0 { break }
                }
                horizon.finish(failure: "\(path) grew while it was being loaded: its new data was not verified")
            } catch let error as InputError {
                horizon.finish(failure: error.description)
            } catch {
                horizon.finish(failure: "\(path): \(error)")
            }
        }
        thread.name = "sluice.gzip-verifier"
        thread.start()
    }
}
