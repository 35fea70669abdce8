import Foundation
import Testing
import TestSupport

/// A server that refuses connections when a command starts is waited for as long as the docs say
/// (10 s), not for the part of it the backoff happened to fit in; then the command says where it
/// could not connect and what to do.
@Suite("start retry windows")
struct CLIRetryWindowTests {
    /// Runs `sluice arguments…` and measures its wall time, in seconds, from just before it starts
    /// to its exit as the termination handler (a thread of Foundation's, not the cooperative pool,
    /// which other tests may keep busy) sees it. Killed after 60 s.
    static func timed(_ arguments: [String], environment: [String: String]) async throws -> (SluiceCLI.Outcome, Double) {
        let process = SluiceCLI.makeProcess(arguments, environment: environment)
        let output = try CapturedOutput(process)
        let exited = SignalledBox()
        let started = ContinuousClock.now
        let (status, elapsed) = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Int32, Duration), Error>) in
            process.terminationHandler = { ended in
                exited.markExited()
                continuation.resume(returning: (ended.terminationStatus, started.duration(to: .now)))
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + 60) {
                if !exited.exited { kill(pid, SIGKILL) }
            }
        }
        return (output.outcome(status: status), Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    @Test("sluice load: a refused PostgreSQL is waited for the whole 10 s, then exit 1 naming the server and what to do")
    func loadWaitsTenSeconds() async throws {
        let port = try TestRedis.freeLoopbackPort()
        let input = try TestEvents.writeFile([TestEvents.cartLine(key: "w1")])
        let (outcome, seconds) = try await Self.timed(["load", "--database-url", "postgres://sluice@127.0.0.1:\(port)/x", input.path],
                                                      environment: [:])
        print("CLIRetryWindowTests: sluice load exited \(outcome.status) after \(String(format: "%.2f", seconds)) s")
        #expect(outcome.status == 1, "\(outcome.combined)")
        #expect(seconds >= 9.5 && seconds < 15, "gave up after \(seconds) s, not after the 10 s window:\n\(outcome.stderr)")
        #expect(outcome.stderr.contains("cannot connect to postgres://sluice@127.0.0.1:\(port)/x"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("connection refused"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("is the server running?"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("gave up after waiting 10.0 s"), "\(outcome.stderr)")
    }

    @Test("sluice consume redis: a refused Redis is waited for the whole 10 s, then exit 1 naming the server and what to do")
    func consumeWaitsTenSeconds() async throws {
        let port = try TestRedis.freeLoopbackPort()
        try await TestDatabase.withMigrated { url in
            let (outcome, seconds) = try await Self.timed(["consume", "redis", "--url", "redis://127.0.0.1:\(port)", "--stream", "s", "--group", "g"],
                                                          environment: ["DATABASE_URL": TestDatabase.url(url, as: .loader)])
            print("CLIRetryWindowTests: sluice consume redis exited \(outcome.status) after \(String(format: "%.2f", seconds)) s")
            #expect(outcome.status == 1, "\(outcome.combined)")
            #expect(seconds >= 9.5 && seconds < 15, "gave up after \(seconds) s, not after the 10 s window:\n\(outcome.stderr)")
            #expect(outcome.stderr.contains("cannot connect to redis://127.0.0.1:\(port)/0"), "\(outcome.stderr)")
            #expect(outcome.stderr.contains("is redis-server running? check the --url"), "\(outcome.stderr)")
            #expect(outcome.stderr.contains("gave up after retrying for 10.0 s"), "\(outcome.stderr)")
        }
    }
}
