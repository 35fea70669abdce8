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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        process.environment = cleanEnvironment(adding: environment)

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("out")
        let errURL = scratch.appendingPathComponent("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        if let stdin {
            let inURL = scratch.appendingPathComponent("in")
            try Data(stdin.utf8).write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }

        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try out.close()
        try err.close()
        return Outcome(
            status: status,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        )
    }

    /// Starts `sluice arguments…`, sends SIGKILL after `delay`, and reports whether it was still
    /// running then (true) or had already finished.
    static func runKilled(_ arguments: [String], environment: [String: String], after delay: Duration) async throws -> (killed: Bool, status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        process.environment = cleanEnvironment(adding: environment)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let finished = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            Task {
                try? await Task.sleep(for: delay)
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
        }
        return (process.terminationReason == .uncaughtSignal, finished)
    }
}
