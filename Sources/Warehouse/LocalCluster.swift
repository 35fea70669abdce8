import Foundation
import Postgres

/// A throwaway PostgreSQL cluster run from the system's binaries: the embedded default.
///
/// Everything lives under one directory (default `.sluice/`): `data/` (the cluster), `run/` (its
/// Unix socket), `postgres.log` and `port`. The server listens on 127.0.0.1 only, with `trust`
/// authentication for local connections — it is for development, demos and tests, never for data
/// you want to keep. `initdb` and `postgres` refuse to run as root, so as root they run as the
/// `postgres` user.
public struct LocalCluster: Sendable {
    /// The cluster's directory.
    public let directory: URL
    /// The database created for Sluice inside the cluster.
    public static let databaseName = "sluice"
    public static let userName = "sluice"

    /// `SLUICE_DB_DIR`, else `.sluice` in the working directory.
    public static func defaultDirectory() -> URL {
        let path = ProcessInfo.processInfo.environment["SLUICE_DB_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? ".sluice"
        return URL(fileURLWithPath: path).standardizedFileURL
    }

    public init(directory: URL = LocalCluster.defaultDirectory()) {
        self.directory = directory.standardizedFileURL
    }

    var dataDirectory: URL { directory.appendingPathComponent("data") }
    var socketDirectory: URL { directory.appendingPathComponent("run") }
    var logFile: URL { directory.appendingPathComponent("postgres.log") }
    var portFile: URL { directory.appendingPathComponent("port") }

    public enum State: Sendable, Equatable {
        case notInitialized
        case stopped
        case running(url: String)
    }

    /// Errors with the step that failed and what to do.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    // MARK: - Queries

    /// Whether the cluster exists and its server runs.
    public func state() throws -> State {
        guard FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) else {
            return .notInitialized
        }
        let tools = try ServerBinaries.locate()
        let outcome = try ProcessRunner.run(tools.pgCtl, ["-D", dataDirectory.path, "status"], asUser: serverUser())
        guard outcome.status == 0, let port = recordedPort() else { return .stopped }
        return .running(url: url(port: port))
    }

    /// The `DATABASE_URL` of the running cluster, or `nil`.
    public func runningURL() -> String? {
        if case .running(let url)? = try? state() { return url }
        return nil
    }

    /// The URL of the cluster's maintenance database `postgres` (for creating test databases).
    public func adminURL() -> String? {
        guard runningURL() != nil, let port = recordedPort() else { return nil }
        return "postgres://\(Self.userName)@127.0.0.1:\(port)/postgres"
    }

    func url(port: Int) -> String { "postgres://\(Self.userName)@127.0.0.1:\(port)/\(Self.databaseName)" }

    func recordedPort() -> Int? {
        guard let text = try? String(contentsOf: portFile, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    // MARK: - Start and stop

    /// Initializes the cluster if needed, starts it if stopped, creates the `sluice` database.
    /// Idempotent: on a running cluster it only returns the URL.
    /// - Parameter progress: receives one line per step taken.
    public func start(progress: (String) -> Void = { _ in }) async throws -> String {
        let tools = try ServerBinaries.locate()
        let user = try serverUser()
        if case .running(let url) = try state(), let port = recordedPort() {
            try await createDatabase(port: port)
            return url
        }

        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        if let user { try handOver(to: user) }

        if try state() == .notInitialized {
            progress("initializing a new cluster in \(dataDirectory.path) with \(tools.directory)/initdb")
            let outcome = try ProcessRunner.run(tools.initdb, [
                "-D", dataDirectory.path, "-U", Self.userName, "--auth=trust", "--encoding=UTF8",
                "--no-locale", "--no-sync",
            ], asUser: user)
            guard outcome.status == 0 else {
                throw Failure(description: "initdb failed (exit \(outcome.status)):\n\(outcome.output)")
            }
            try appendSettings()
        }

        let port = try choosePort()
        try String(port).write(to: portFile, atomically: true, encoding: .utf8)
        progress("starting PostgreSQL on 127.0.0.1:\(port) (log: \(logFile.path))")
        let options = "-p \(port) -c listen_addresses=127.0.0.1 -c unix_socket_directories='\(socketDirectory.path)'"
        let outcome = try ProcessRunner.run(tools.pgCtl, [
            "-D", dataDirectory.path, "-l", logFile.path, "-o", options, "-w", "-t", "60", "start",
        ], asUser: user)
        guard outcome.status == 0 else {
            let log = (try? String(contentsOf: logFile, encoding: .utf8)).map { String($0.suffix(2000)) } ?? ""
            throw Failure(description: "pg_ctl start failed (exit \(outcome.status)):\n\(outcome.output)\nlast lines of \(logFile.path):\n\(log)")
        }
        try await createDatabase(port: port)
        return url(port: port)
    }

    /// Stops the server. `immediate` skips the shutdown checkpoint (a crash, for recovery tests).
    /// What `stop` found.
    public enum StopOutcome: Sendable, Equatable {
        case stopped
        case wasNotRunning
        case noCluster
    }

    @discardableResult
    public func stop(immediate: Bool = false) throws -> StopOutcome {
        guard try state() != .notInitialized else { return .noCluster }
        let tools = try ServerBinaries.locate()
        let outcome = try ProcessRunner.run(tools.pgCtl, [
            "-D", dataDirectory.path, "-m", immediate ? "immediate" : "fast", "-w", "-t", "60", "stop",
        ], asUser: serverUser())
        // pg_ctl exits 1 when the server was not running: that is already the state we want.
        if outcome.status != 0 {
            if outcome.output.contains("Is server running?") { return .wasNotRunning }
            throw Failure(description: "pg_ctl stop failed (exit \(outcome.status)):\n\(outcome.output)")
        }
        return .stopped
    }

    private func createDatabase(port: Int) async throws {
        let admin = try await PostgresConnection.connect("postgres://\(Self.userName)@127.0.0.1:\(port)/postgres")
        let exists = try await admin.query("SELECT 1 FROM pg_database WHERE datname = \(Self.databaseName)")
        if exists.isEmpty {
            try await admin.execute(unsafeSQL: "CREATE DATABASE \(Self.databaseName)")
        }
        await admin.close()
    }

    /// Settings for a loader workload on a small machine. Durability stays on: the crash tests must
    /// mean something.
    private func appendSettings() throws {
        let settings = """

            # --- added by `sluice db start` ---
            shared_buffers = 256MB
            max_wal_size = 4GB
            checkpoint_timeout = 15min
            max_connections = 400
            log_min_messages = warning
            log_line_prefix = '%m [%p] %q%u@%d '

            """
        let conf = dataDirectory.appendingPathComponent("postgresql.conf")
        let handle = try FileHandle(forWritingTo: conf)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(settings.utf8))
        try handle.close()
    }

    /// The recorded port if it is free, else a free one the kernel picks.
    private func choosePort() throws -> Int {
        if let port = recordedPort(), PortProbe.isFree(port) { return port }
        guard let port = PortProbe.freePort() else {
            throw Failure(description: "no free TCP port on 127.0.0.1 for the local cluster")
        }
        return port
    }

    // MARK: - Running as root

    /// `postgres` when running as root (initdb refuses root), else `nil` (run as ourselves).
    private func serverUser() throws -> String? {
        guard geteuid() == 0 else { return nil }
        guard getpwnam("postgres") != nil else {
            throw Failure(description: "running as root, and there is no `postgres` user to run the server as: install the `postgresql` package (it creates one) or run as a normal user")
        }
        return "postgres"
    }

    private func handOver(to user: String) throws {
        let chown = try ProcessRunner.run("/bin/chown", ["-R", "\(user):\(user)", directory.path])
        guard chown.status == 0 else {
            throw Failure(description: "cannot give \(directory.path) to the \(user) user: \(chown.output)")
        }
        let probe = try ProcessRunner.run("/usr/bin/test", ["-w", directory.path], asUser: user)
        guard probe.status == 0 else {
            throw Failure(description: "the \(user) user cannot write to \(directory.path) (a parent directory is not searchable by it); choose another place with --dir or SLUICE_DB_DIR, e.g. /var/tmp/sluice")
        }
    }
}

/// Where the PostgreSQL server programs are.
struct ServerBinaries {
    var directory: String
    var initdb: String { directory + "/initdb" }
    var pgCtl: String { directory + "/pg_ctl" }

    /// `SLUICE_PG_BINDIR`, else the newest `/usr/lib/postgresql/*/bin` (Debian), else `PATH`.
    static func locate() throws -> ServerBinaries {
        var candidates: [String] = []
        let env = ProcessInfo.processInfo.environment
        if let explicit = env["SLUICE_PG_BINDIR"], !explicit.isEmpty { candidates.append(explicit) }
        let debianRoot = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: debianRoot)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            candidates.append("\(debianRoot)/\(version)/bin")
        }
        candidates += (env["PATH"] ?? "").split(separator: ":").map(String.init)
        for directory in candidates {
            let tools = ServerBinaries(directory: directory)
            if FileManager.default.isExecutableFile(atPath: tools.initdb) && FileManager.default.isExecutableFile(atPath: tools.pgCtl) {
                return tools
            }
        }
        throw LocalCluster.Failure(description: "PostgreSQL server programs (initdb, pg_ctl) not found: install them with `apt-get install postgresql` (Debian/Ubuntu), or set SLUICE_PG_BINDIR to their directory, or point DATABASE_URL at an existing server")
    }
}

/// TCP port checks on 127.0.0.1.
enum PortProbe {
    static func isFree(_ port: Int) -> Bool { bind(port: port) != nil }

    /// A port the kernel considers free right now.
    static func freePort() -> Int? { bind(port: 0) }

    private static func bind(port: Int) -> Int? {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { return nil }
        defer { close(socketFD) }
        // As PostgreSQL binds: with SO_REUSEADDR, so connections still in TIME_WAIT after a crash
        // do not make the cluster's own port look taken (it would come back on another port).
        var reuse: Int32 = 1
        setsockopt(socketFD, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { return nil }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
        }
        guard named == 0 else { return nil }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
