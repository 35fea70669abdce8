import Foundation

/// The redis-server `make test` starts (`SLUICE_TEST_REDIS_URL`), driven through redis-cli; and
/// servers of a test's own (``Server``) for tests that kill or restart Redis.
public enum TestRedis {
    public struct NotConfigured: Error, CustomStringConvertible {
        public var description: String { "SLUICE_TEST_REDIS_URL is not set: run the tests with `make test`, which starts a redis-server" }
    }

    public static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["SLUICE_TEST_REDIS_URL"], !url.isEmpty else { throw NotConfigured() }
        return url
    }

    /// A stream name no other test uses.
    public static func streamName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Runs one command with redis-cli (on the shared server, or the one at `url`) and returns what
    /// it printed: the reply, or the error reply (`LOADING …`), or why it could not connect.
    @discardableResult
    public static func command(_ arguments: [String], url: String? = nil) throws -> String {
        try run(["-u", try url ?? Self.url()] + arguments, input: nil)
    }

    /// XADDs every entry (field-value pairs) in one pipe, in order (on the shared server, or the one
    /// at `url`). Throws if any XADD was refused, or the server could not be reached: some of the
    /// entries may then have been added.
    public static func xadd(stream: String, entries: [[(String, String)]], url: String? = nil) throws {
        try pipe(entries.map { entry in ["XADD", stream, "*"] + entry.flatMap { [$0.0, $0.1] } }, url: url)
    }

    /// Sends every command in one pipe (`redis-cli --pipe`), in order. Throws if any was refused or
    /// the server could not be reached.
    public static func pipe(_ commands: [[String]], url: String? = nil) throws {
        var protocolText = ""
        protocolText.reserveCapacity(commands.count * 300)
        for arguments in commands {
            protocolText += "*\(arguments.count)\r\n"
            for argument in arguments { protocolText += "$\(argument.utf8.count)\r\n\(argument)\r\n" }
        }
        let output = try run(["-u", try url ?? Self.url(), "--pipe"], input: Data(protocolText.utf8))
        guard output.contains("errors: 0") else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: output]) }
    }

    /// A loopback port nothing listens on (bound once, then closed): a connection to it is refused.
    public static func freeLoopbackPort() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 ? getsockname(fd, raw, &length) : -1
            }
        }
        guard named == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return Int32(UInt16(bigEndian: address.sin_port))
    }

    /// Runs blocking work — redis-cli and redis-server processes, waited for — on a dispatch thread,
    /// so a test that polls Redis does not hold one of the few threads of Swift's cooperative pool,
    /// which the tests running beside it need (their timers, their processes' exits).
    public static func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// A redis-server of one test's own — never the shared one — on a free loopback port, with its
    /// own directory and an AOF that is fsynced before each write is answered
    /// (`--appendfsync always`), so a `kill -9` loses nothing a client was told was written and a
    /// restart on the same port and directory loads it all back. Stopped (and its directory
    /// removed) by `stop()` or when released.
    ///
    /// `@unchecked Sendable`: `process`, the only mutable state, is touched only under `lock`.
    public final class Server: @unchecked Sendable {
        public let port: Int32
        public let directory: URL
        public var url: String { "redis://127.0.0.1:\(port)" }
        private let arguments: [String]
        private let lock = NSLock()
        private var process: Process?

        private init(port: Int32, directory: URL, arguments: [String], process: Process) {
            self.port = port
            self.directory = directory
            self.arguments = arguments
            self.process = process
        }

        /// Starts one; `arguments` are added to redis-server's (and used again by `restart`).
        /// Returns once it answers.
        public static func start(arguments: [String] = []) async throws -> Server {
            try await TestRedis.blocking {
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-redis-\(UUID().uuidString.prefix(8))")
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                // The port was free a moment ago; should something take it meanwhile, try another.
                var lastError: Error?
                for _ in 0..<5 {
                    let port = try TestRedis.freeLoopbackPort()
                    do {
                        let process = try launch(port: port, directory: directory, arguments: arguments)
                        return Server(port: port, directory: directory, arguments: arguments, process: process)
                    } catch {
                        lastError = error
                    }
                }
                try? FileManager.default.removeItem(at: directory)
                throw lastError ?? CocoaError(.fileWriteUnknown)
            }
        }

        deinit {
            stop()
        }

        /// Starts redis-server again on the same port and directory (after `kill9`): it loads its
        /// AOF, answering `LOADING` meanwhile. Returns once it accepts connections.
        public func restart() async throws {
            try await TestRedis.blocking {
                let process = try Self.launch(port: self.port, directory: self.directory, arguments: self.arguments)
                self.lock.withLock { self.process = process }
            }
        }

        /// SIGKILL, as a crash or the OOM killer would; returns once the process is gone.
        public func kill9() async {
            _ = try? await TestRedis.blocking { self.killNow() }
        }

        /// Stops the server (SIGKILL: its data is not needed any more) and removes its directory.
        public func stop() {
            killNow()
            try? FileManager.default.removeItem(at: directory)
        }

        private func killNow() {
            lock.withLock {
                guard let process, process.isRunning else { return }
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                self.process = nil
            }
        }

        /// The last lines of its log, for a failure message.
        public func logTail(_ count: Int = 20) -> String {
            let text = (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
            return text.split(separator: "\n").suffix(count).joined(separator: "\n")
        }

        private static func launch(port: Int32, directory: URL, arguments: [String]) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
            process.arguments = ["--bind", "127.0.0.1", "--port", String(port), "--dir", directory.path,
                                 "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                                 "--daemonize", "no", "--logfile", directory.appendingPathComponent("redis.log").path] + arguments
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Up for us once it answers anything at all (PONG, or LOADING while it loads): 5 s at most.
            let url = "redis://127.0.0.1:\(port)"
            for _ in 0..<100 {
                guard process.isRunning else { break }
                let reply = (try? TestRedis.command(["PING"], url: url)) ?? ""
                if reply == "PONG" || reply.hasPrefix("LOADING") { return process }
                Thread.sleep(forTimeInterval: 0.05)
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "redis-server did not start on port \(port)"])
        }
    }

    private static func run(_ arguments: [String], input: Data?) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            // Feed from another thread: a large input would fill the pipe while we wait to read.
            let writer = Thread {
                stdin.fileHandleForWriting.write(input)
                try? stdin.fileHandleForWriting.close()
            }
            writer.start()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
