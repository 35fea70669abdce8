import Foundation
import Postgres
import Testing
import TestSupport

/// `sluice consume redis` when Redis is not there for a while: `kill -9` of redis-server mid-stream
/// and a restart on the same port and directory that loads the AOF — answering `LOADING` for
/// seconds — or a script that keeps the server busy (`BUSY`), while a producer keeps writing. The
/// consumer must ride it out, keep running, and load every event exactly once. Each test runs a
/// redis-server of its own (the shared one is never killed).
@Suite("sluice consume redis through a Redis restart and a busy server", .serialized)
struct RedisRestartTests {
    static let eventCount = 6_000
    static let chunkSize = 250

    static let keys = (0..<eventCount).map { "rr-\($0)" }
    static let chunks = stride(from: 0, to: keys.count, by: chunkSize).map { keys[$0..<min($0 + chunkSize, keys.count)] }

    /// One keyed event per key, as stream entries.
    static func entries(_ keys: ArraySlice<String>) -> [[(String, String)]] {
        keys.map { key in [("event", TestEvents.cartLine(key: key, day: key.count % 27 + 1, user: "u\(key.suffix(2))"))] }
    }

    /// One redis-cli command on the server at `url`, off the cooperative pool: what it printed.
    static func redis(_ arguments: [String], url: String) async throws -> String {
        try await TestRedis.blocking { try TestRedis.command(arguments, url: url) }
    }

    /// XADDs `keys` as keyed events in one pipe, off the cooperative pool; throws when refused.
    static func xadd(_ keys: ArraySlice<String>, stream: String, url: String) async throws {
        let entries = entries(keys)
        try await TestRedis.blocking { try TestRedis.xadd(stream: stream, entries: entries, url: url) }
    }

    /// XADDs `keys` as keyed events, retried (100 ms apart, 30 s at most) while Redis refuses them:
    /// a producer that cannot tell which of a refused pipe's entries landed sends them all again,
    /// so the stream may hold some twice; their idempotency keys make that harmless. Returns the
    /// number of refused tries.
    static func produce(_ keys: ArraySlice<String>, stream: String, url: String) async throws -> Int {
        var refused = 0
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                try await xadd(keys, stream: stream, url: url)
                return refused
            } catch {
                refused += 1
                guard ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Runs `sluice consume redis --retry-seconds 60` on `server`'s `stream` while `disrupt` writes
    /// the chunks and upsets Redis (it gets a probe of how many events are loaded); then waits until
    /// every event is loaded (40 s at most), stops the consumer with SIGTERM and checks what a user
    /// would: it was still running, exit 0, every key exactly once, nothing pending, counts that add
    /// up. `logged` must appear in its standard error (the fault it met and retried).
    static func consume(on server: TestRedis.Server, stream: String, logged: String,
                        disrupt: (_ loaded: @escaping @Sendable () async throws -> Int) async throws -> Void) async throws {
        try await TestDatabase.withMigrated { url in
            let env = ["DATABASE_URL": TestDatabase.url(url, as: .loader)]
            let consumer = SluiceCLI.makeProcess(["consume", "redis", "--url", server.url, "--stream", stream, "--group", "loaders",
                                                  "--consumer", "a", "--batch-size", "200", "--block-ms", "200",
                                                  "--retry-seconds", "60", "--json"], environment: env)
            let output = try CapturedOutput(consumer)
            async let exitStatus = SluiceCLI.wait(for: consumer, limit: .seconds(120))
            let database = try await PostgresConnection.connect(url)
            let loaded: @Sendable () async throws -> Int = {
                try await database.query("SELECT count(*) AS n FROM events")[0].decode("n", as: Int.self)
            }

            try await disrupt(loaded)

            // Everything is written: the consumer catches up (bounded), and is still running.
            let lastWrite = ContinuousClock.now
            while try await loaded() < eventCount, lastWrite.duration(to: .now) < .seconds(40), consumer.isRunning {
                try await Task.sleep(for: .milliseconds(200))
            }
            let stillRunning = consumer.isRunning
            print("RedisRestartTests: the consumer caught up \(String(format: "%.2f", seconds(lastWrite.duration(to: .now)))) s after the last write")
            kill(consumer.processIdentifier, SIGTERM)
            let status = try await exitStatus
            let outcome = output.outcome(status: status)

            #expect(outcome.stderr.contains(logged), "the consumer never met \(logged):\n\(outcome.stderr.suffix(3000))")
            #expect(stillRunning, "the consumer exited (status \(status)) instead of retrying:\n\(outcome.stderr.suffix(3000))")
            #expect(status == 0, "SIGTERM: exit \(status)\n\(outcome.stderr.suffix(3000))")

            // The exact set: every idempotency key once, nothing else.
            let rows = try await database.query("SELECT idempotency_key AS key, count(*) AS n FROM events GROUP BY 1").map {
                (try $0.decode("key", as: String.self), try $0.decode("n", as: Int.self))
            }
            await database.close()
            let counts = Dictionary(rows, uniquingKeysWith: +)
            let missing = Set(keys).subtracting(counts.keys)
            let twice = counts.filter { $0.value > 1 }
            let unexpected = Set(counts.keys).subtracting(keys)
            #expect(missing.isEmpty && twice.isEmpty && unexpected.isEmpty && rows.count == eventCount,
                    "\(rows.count) keys: missing \(missing.count) (e.g. \(missing.sorted().prefix(5))), twice \(twice.count), unexpected \(unexpected.sorted().prefix(5))")

            // Every entry read was committed and acknowledged: nothing left pending, counts add up.
            let pending = try await redis(["XPENDING", stream, "loaders"], url: server.url).split(separator: "\n").first.map(String.init)
            #expect(pending == "0", "entries left pending: \(pending ?? "?")")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any],
                                       "\(outcome.combined.suffix(2000))")
            let read = summary["read"] as? Int ?? -1
            let parts = ["loaded", "duplicates", "rejected", "sampled_out"].map { summary[$0] as? Int ?? -1 }
            #expect(read == parts.reduce(0, +), "counts do not add up: \(outcome.stdout)")
            #expect(summary["loaded"] as? Int == eventCount, "\(outcome.stdout)")
            #expect(summary["rejected"] as? Int == 0, "\(outcome.stdout)")
            #expect(summary["acknowledged"] as? Int == read, "\(outcome.stdout)")
        }
    }

    /// Waits (10 s at most) until some events are loaded: the consumer is mid-stream.
    static func waitForFirstCommit(_ loaded: () async throws -> Int) async throws {
        var polls = 0
        while try await loaded() == 0, polls < 200 {
            polls += 1
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await loaded() > 0, "nothing was loaded before Redis was disrupted")
    }

    @Test("kill -9 of redis-server mid-stream, restarted with its AOF and answering LOADING for seconds: the consumer retries, keeps running, and every key is loaded exactly once")
    func killNineAndLoading() async throws {
        // What makes the LOADING window last seconds instead of the milliseconds a few thousand
        // entries take to load: 20 000 padding keys in the AOF's RDB base (BGREWRITEAOF below),
        // each loaded 50 µs slower (`key-load-delay`, the setting Redis's own test suite uses for
        // this), with the server answering clients every KiB it loads instead of every 2 MiB
        // (`loading-process-events-interval-bytes`), as it would while loading gigabytes.
        let server = try await TestRedis.Server.start(arguments: ["--key-load-delay", "50", "--loading-process-events-interval-bytes", "1024"])
        defer { server.stop() }
        let url = server.url
        try await TestRedis.blocking { try TestRedis.pipe((0..<20_000).map { ["SET", "pad:\($0)", "x"] }, url: url) }
        _ = try await Self.redis(["BGREWRITEAOF"], url: url)
        var rewritten = false
        for _ in 0..<100 where !rewritten {
            try await Task.sleep(for: .milliseconds(50))
            let info = try await Self.redis(["INFO", "persistence"], url: url)
            rewritten = info.contains("aof_rewrite_in_progress:0") && info.contains("aof_rewrite_scheduled:0")
        }
        #expect(rewritten, "BGREWRITEAOF did not finish: \(server.logTail())")

        let stream = "restart-events"
        let killAfter = Self.chunks.count / 3
        try await Self.consume(on: server, stream: stream, logged: "LOADING") { loaded in
            var loadingReplies = 0
            var loadingSeconds = 0.0
            var refusedWrites = 0
            var writtenWhileLoading = false
            for (index, chunk) in Self.chunks.enumerated() {
                if index == killAfter + 1 && writtenWhileLoading { continue }
                if index == killAfter {
                    // Mid-stream: batches have committed, this chunk is being read and committed.
                    try await Self.waitForFirstCommit(loaded)
                    refusedWrites += try await Self.produce(chunk, stream: stream, url: server.url)
                    await server.kill9()
                    try await Task.sleep(for: .milliseconds(300))
                    try await server.restart()
                    let restarted = ContinuousClock.now
                    // The producer keeps trying the next chunk while the server loads (refused with
                    // LOADING); the loop sends it again later unless a try got through.
                    while restarted.duration(to: .now) < .seconds(30) {
                        guard (try? await Self.redis(["PING"], url: url))?.hasPrefix("LOADING") == true else { break }
                        loadingReplies += 1
                        if !writtenWhileLoading, index + 1 < Self.chunks.count {
                            if (try? await Self.xadd(Self.chunks[index + 1], stream: stream, url: url)) != nil {
                                writtenWhileLoading = true
                            } else {
                                refusedWrites += 1
                            }
                        }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    loadingSeconds = Self.seconds(restarted.duration(to: .now))
                    continue
                }
                refusedWrites += try await Self.produce(chunk, stream: stream, url: server.url)
                try await Task.sleep(for: .milliseconds(50))
            }
            print("RedisRestartTests: LOADING answered \(loadingReplies) times over \(String(format: "%.2f", loadingSeconds)) s after the restart; "
                  + "\(refusedWrites) producer writes refused")
            #expect(loadingReplies > 0, "the restarted Redis never answered LOADING: the test did not exercise it\n\(server.logTail())")
        }
    }

    @Test("a script keeps Redis BUSY for 3 s mid-stream: every command of the consumer is refused with BUSY and retried; it keeps running, every key loaded exactly once")
    func busyScript() async throws {
        // Redis answers other clients BUSY once a script has run this long (default 5 s).
        let server = try await TestRedis.Server.start(arguments: ["--busy-reply-threshold", "100"])
        defer { server.stop() }
        let url = server.url
        let stream = "busy-events"
        // The group exists: the consumer's XGROUP CREATE is answered BUSYGROUP, which is not BUSY.
        _ = try await Self.redis(["XGROUP", "CREATE", stream, "loaders", "0", "MKSTREAM"], url: url)
        let busyAfter = Self.chunks.count / 6
        // 4 750 entries: the consumer needs about a second for them (3 000 were read before the
        // script started once the consumer got faster), longer than the script takes to start.
        let backlogChunks = 19
        try await Self.consume(on: server, stream: stream, logged: "BUSY Redis is busy running a script") { loaded in
            var busyReplies = 0
            var refusedWrites = 0
            for (index, chunk) in Self.chunks.enumerated() {
                if index > busyAfter && index < busyAfter + backlogChunks { continue }
                if index == busyAfter {
                    try await Self.waitForFirstCommit(loaded)
                    // The script starts while a backlog of entries is being read and committed:
                    // a read blocked in XREADGROUP … BLOCK would only wait for the script to end,
                    // but the reads and XACKs of a consumer at work are refused.
                    let backlog = ArraySlice(Self.chunks[busyAfter..<busyAfter + backlogChunks].joined())
                    refusedWrites += try await Self.produce(backlog, stream: stream, url: server.url)
                    // A read-only endless script (so SCRIPT KILL may end it), from a client of its own.
                    let script = Process()
                    script.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
                    script.arguments = ["-u", server.url, "EVAL", "local n = 0 while true do n = n + 1 end", "0"]
                    script.standardOutput = FileHandle.nullDevice
                    script.standardError = FileHandle.nullDevice
                    try script.run()
                    let started = ContinuousClock.now
                    while started.duration(to: .now) < .seconds(3) {
                        if (try? await Self.redis(["PING"], url: url))?.hasPrefix("BUSY") == true { busyReplies += 1 }
                        // The producer keeps trying (one XADD: `redis-cli --pipe` would wait 30 s for
                        // its closing ECHO): refused with BUSY.
                        let event = Self.entries(chunk.prefix(1))[0][0]
                        let reply = (try? await Self.redis(["XADD", stream, "*", event.0, event.1], url: url)) ?? ""
                        if reply.hasPrefix("BUSY") { refusedWrites += 1 }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    _ = try await Self.redis(["SCRIPT", "KILL"], url: url)
                    var polls = 0
                    while script.isRunning, polls < 100 {
                        polls += 1
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    continue
                }
                refusedWrites += try await Self.produce(chunk, stream: stream, url: server.url)
                try await Task.sleep(for: .milliseconds(50))
            }
            print("RedisRestartTests: BUSY answered \(busyReplies) times over 3 s; \(refusedWrites) producer writes refused")
            #expect(busyReplies > 0, "Redis never answered BUSY: the test did not exercise it\n\(server.logTail())")
        }
    }
}
