import EventContracts
import Foundation
import Loader
import Postgres
import TestSupport
import Warehouse

/// Shared set-up for loader tests: a migrated fresh database, input files, and queries.
enum LoaderFixture {
    static var repositoryRoot: URL { TestDatabase.repositoryRoot }

    static let registry = Result { try EventContractRegistry() }

    /// A fresh, migrated database for `body`.
    static func withMigratedDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        try await TestDatabase.withMigrated(body)
    }

    static func cartLine(key: String, day: Int = 10, user: String = "u1", micros: Int = 123456) -> String {
        TestEvents.cartLine(key: key, day: day, user: user, micros: micros)
    }

    static func previousMonthPrefix() -> String { TestEvents.previousMonthPrefix() }

    static func writeInput(_ lines: [String], name: String = "input.ndjson", terminator: String = "\n") throws -> URL {
        try TestEvents.writeFile(lines, name: name, terminator: terminator)
    }

    static func writeInput(bytes: [UInt8], name: String = "input.ndjson") throws -> URL {
        try TestEvents.writeFile(bytes: bytes, name: name)
    }

    /// Options to load `inputs` as the test loader login (a member of sluice_loader), when `url`
    /// is the administrator's; a URL made for another user is kept.
    static func options(_ url: String, inputs: [String], writers: Int = 2, batchRows: Int = 1000) -> LoadOptions {
        var options = LoadOptions(connectionString: TestDatabase.url(url, as: .loader))
        options.contract = .pocm
        options.tenant = "default"
        options.inputs = inputs
        options.writers = writers
        options.limits = .init(maxRows: batchRows, maxBytes: 8 << 20, maxDelay: .seconds(1))
        options.retryWindow = .seconds(30)
        return options
    }

    static func load(_ options: LoadOptions) async throws -> LoadSummary {
        try await LoadJob(options: options, registry: registry.get()).run()
    }

    /// The idempotency keys in `events`, sorted.
    static func loadedKeys(_ url: String) async throws -> [String] {
        let connection = try await PostgresConnection.connect(url)
        defer { Task { await connection.close() } }
        return try await connection.query("SELECT idempotency_key FROM events ORDER BY idempotency_key").map {
            try $0.decode("idempotency_key", as: String.self)
        }
    }

    static func scalar(_ url: String, _ query: PostgresQuery) async throws -> Int {
        let connection = try await PostgresConnection.connect(url)
        defer { Task { await connection.close() } }
        return try await connection.query(query)[0][0].decode(Int.self)
    }

    /// Runs a program and returns its exit status.
    static func run(_ path: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Writes `bytes` into the FIFO at `path` from a thread of its own (opening a FIFO blocks until
    /// a reader opens it). A reader that stops early makes the write fail, never kill the process.
    /// Wait on the returned semaphore before feeding the FIFO again, or two writers interleave.
    @discardableResult
    static func feedFIFO(_ path: String, _ bytes: [UInt8]) -> DispatchSemaphore {
        signal(SIGPIPE, SIG_IGN)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            let descriptor = open(path, O_WRONLY)
            guard descriptor >= 0 else { return }
            var written = 0
            while written < bytes.count {
                let count = bytes.withUnsafeBytes { buffer in
                    write(descriptor, buffer.baseAddress! + written, bytes.count - written)
                }
                if count <= 0 { break }
                written += count
            }
            close(descriptor)
        }
        thread.start()
        return done
    }
}
