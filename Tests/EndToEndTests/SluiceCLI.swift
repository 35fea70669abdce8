import Foundation

/// Runs the built `sluice` binary as a user would.
struct SluiceCLI {
    struct Outcome: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        var combined: String { stdout + stderr }
    }

    /// `SLUICE_BIN` (set by scripts/test.sh), else `.build/debug/sluice` in this checkout.
    static var binary: String {
        if let explicit = ProcessInfo.processInfo.environment["SLUICE_BIN"], !explicit.isEmpty { return explicit }
        return repositoryRoot.appendingPathComponent(".build/debug/sluice").path
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// This process's environment without DATABASE_URL or PG* (and never a developer's local
    /// cluster), plus `environment`.
    static func cleanEnvironment(adding environment: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") && $0.key != "DATABASE_URL" }
        env["SLUICE_DB_DIR"] = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-no-cluster").path
        env.merge(environment) { _, new in new }
        return env
    }

    /// Runs `sluice arguments…` with `environment` added to a clean environment (no DATABASE_URL or
    /// PG* from the caller), in the repository root, and waits for it without blocking a thread.
    static func run(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) async throws -> Outcome {
        let process = makeProcess(arguments, environment: environment)
        let output = try CapturedOutput(process)
        if let stdin {
            let inURL = output.scratch.appendingPathComponent("in")
            try Data(stdin.utf8).write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        }
        let status = try await wait(for: process)
        return output.outcome(status: status)
    }

    /// The `sluice` process for `arguments`, in the repository root, with a clean environment and
    /// no standard input.
    static func makeProcess(_ arguments: [String], environment: [String: String]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        process.environment = cleanEnvironment(adding: environment)
        process.standardInput = FileHandle.nullDevice
        return process
    }

    /// Starts `process` and waits for its exit without blocking a thread; `whileRunning` is called
    /// once it started (to signal it, say). A process still running after `limit` is killed
    /// (SIGKILL: its status says so), so a hang fails the test instead of stalling the suite.
    static func wait(for process: Process, limit: Duration = .seconds(300),
                     whileRunning: @escaping @Sendable (Int32) async -> Void = { _ in }) async throws -> Int32 {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            let pid = process.processIdentifier
            Task { await whileRunning(pid) }
            Task {
                try? await Task.sleep(for: limit)
                if process.isRunning { kill(pid, SIGKILL) }
            }
        }
    }

    /// Starts `sluice arguments…`, sends SIGKILL after `delay`, and reports whether it was still
    /// running then (true) or had already finished.
    static func runKilled(_ arguments: [String], environment: [String: String], after delay: Duration) async throws -> (killed: Bool, status: Int32) {
        let process = makeProcess(arguments, environment: environment)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let finished = try await wait(for: process) { pid in
            try? await Task.sleep(for: delay)
            kill(pid, SIGKILL)
        }
        return (process.terminationReason == .uncaughtSignal, finished)
    }

    /// Starts `sluice arguments…`, sends `signal` after `delay`, and waits for it to exit
    /// (at most `limit` more, then SIGKILL). Returns what it printed, its status, and whether it was
    /// still running when signalled.
    static func runSignalled(_ arguments: [String], environment: [String: String], signal: Int32, after delay: Duration,
                             limit: Duration = .seconds(30)) async throws -> (outcome: Outcome, stillRunningAtSignal: Bool) {
        let process = makeProcess(arguments, environment: environment)
        let output = try CapturedOutput(process)
        let box = SignalledBox()
        let status = try await wait(for: process) { pid in
            try? await Task.sleep(for: delay)
            // kill(pid, 0) succeeds while the process exists (it is not reaped before the handler runs).
            box.set(kill(pid, 0) == 0 && !box.exited)
            kill(pid, signal)
            try? await Task.sleep(for: limit)
            if !box.exited { kill(pid, SIGKILL) }
        }
        box.markExited()
        return (output.outcome(status: status), box.value)
    }
}

/// A process's stdout and stderr, captured in files of a scratch directory (pipes could fill up).
final class CapturedOutput {
    let scratch: URL
    private let outURL: URL
    private let errURL: URL

    init(_ process: Process) throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        outURL = scratch.appendingPathComponent("out")
        errURL = scratch.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
    }

    deinit {
        try? FileManager.default.removeItem(at: scratch)
    }

    func outcome(status: Int32) -> SluiceCLI.Outcome {
        SluiceCLI.Outcome(status: status,
                          stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}

/// Whether a process was still running when signalled, and whether it has exited since.
final class SignalledBox: @unchecked Sendable {
    // @unchecked Sendable: `stored` and `ended` are only touched under `lock`.
    private let lock = NSLock()
    private var stored = false
    private var ended = false
    func set(_ value: Bool) { lock.lock(); stored = value; lock.unlock() }
    var value: Bool { lock.lock(); defer { lock.unlock() }; return stored }
    func markExited() { lock.lock(); ended = true; lock.unlock() }
    var exited: Bool { lock.lock(); defer { lock.unlock() }; return ended }
}
