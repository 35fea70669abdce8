import CHiredis
import Foundation
import Loader

/// A Redis reply, copied out of hiredis's reply tree.
public indirect enum RedisReply: Sendable, Equatable {
    case string([UInt8])
    case status(String)
    case integer(Int64)
    case array([RedisReply])
    case null
    case error(String)

    /// The reply as text (bulk strings and statuses).
    public var text: String? {
        switch self {
        case .string(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        case .integer(let value): String(value)
        case .array, .null, .error: nil
        }
    }

    public var elements: [RedisReply] {
        if case .array(let items) = self { return items }
        return []
    }
}

/// A failure talking to Redis, with the server's message or the socket's, classified once, here,
/// by what a consumer should do about it (``Recovery``).
public struct RedisError: Error, CustomStringConvertible {
    /// What to do about an error, by what caused it: the connection, the moment, or the set-up.
    public enum Recovery: Sendable, Equatable {
        /// The connection broke or never opened: reconnect (with backoff) and retry. A command sent
        /// just before may or may not have run.
        case reconnect
        /// The server answered "not yet" (``transientReplyCodes``): it did not run the command;
        /// retry it after a pause, on the same connection.
        case retry
        /// Anything else (a wrong password, a missing group, a bad argument): retrying will not
        /// help; stop and say what to fix.
        case stop
    }

    /// Error replies that mean "not yet" rather than "no": the server is loading its dataset after a
    /// restart (`LOADING`), runs a script or function past its time limit (`BUSY`), is migrating a
    /// slot (`TRYAGAIN`), is a replica without its master (`MASTERDOWN`), or its cluster is down
    /// (`CLUSTERDOWN`). Redis runs no part of a command it answers so.
    public static let transientReplyCodes: Set<String> = ["LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN"]

    public var recovery: Recovery
    public var description: String

    public init(recovery: Recovery, description: String) {
        self.recovery = recovery
        self.description = description
    }

    /// An error reply to `command` (its name, for the message): ``Recovery/retry`` when its code —
    /// the reply's first word — is one of ``transientReplyCodes``, else ``Recovery/stop``. Only the
    /// whole first word counts: `BUSYGROUP` (the group exists) is not `BUSY`.
    public init(reply message: String, command: String, advice: String = "") {
        self.recovery = Self.transientReplyCodes.contains(Self.code(of: message)) ? .retry : .stop
        self.description = "\(command) failed: \(message)\(advice)"
    }

    /// An error reply's code: its first word (`LOADING`, `BUSYGROUP`, `ERR`, …).
    public static func code(of message: String) -> String {
        String(message.prefix { $0 != " " })
    }

    /// Worth retrying (within the retry window): a broken connection or a "not yet" reply.
    public var isRetryable: Bool { recovery != .stop }

    /// This error, once retrying it for `duration` did not help.
    public func gaveUp(after duration: Duration) -> RedisError {
        RedisError(recovery: recovery, description: "\(description); gave up after retrying for \(Backoff.text(duration))")
    }
}

/// Where a Redis server is: `redis://[[user]:password@]host[:port][/db]`. The password never
/// appears in `description`.
public struct RedisEndpoint: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int32
    public var user: String?
    public var password: String?
    public var database: Int

    public init(url: String) throws {
        guard let components = URLComponents(string: url), components.scheme == "redis" || components.scheme == "rediss",
              let host = components.host, !host.isEmpty else {
            throw RedisError(recovery: .stop, description: "malformed Redis URL (expected redis://[:password@]host[:port][/db])")
        }
        guard components.scheme == "redis" else {
            throw RedisError(recovery: .stop, description: "rediss:// (TLS) is not supported by this build; use a TLS tunnel or redis://")
        }
        self.host = host
        self.port = Int32(components.port ?? 6379)
        self.user = components.user.flatMap { $0.isEmpty ? nil : $0 }
        self.password = components.password
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard path.isEmpty || Int(path) != nil else {
            throw RedisError(recovery: .stop, description: "malformed Redis URL: the path must be a database number")
        }
        self.database = Int(path) ?? 0
    }

    public var description: String { "redis://\(host):\(port)/\(database)" }
}

/// One hiredis connection, used by one thread at a time (see `BlockingClient`). A connection that
/// broke opens again by itself on its next command, so a retry loop only has to wait and retry.
/// Its `deinit` frees the context.
final class RedisConnection {
    private var context: UnsafeMutablePointer<redisContext>?
    let endpoint: RedisEndpoint
    private let timeout: Duration

    /// Connects, authenticates, selects the database and PINGs: a server that accepts connections
    /// but is still loading its dataset answers the PING `LOADING`, which throws ``RedisError``
    /// with ``RedisError/Recovery/retry``, as a refused connection throws one with `reconnect`.
    init(endpoint: RedisEndpoint, timeout: Duration = .seconds(10)) throws {
        self.endpoint = endpoint
        self.timeout = timeout
        try open()
    }

    deinit {
        if let context { redisFree(context) }
    }

    private func open() throws {
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        guard let fresh = redisConnectWithTimeout(endpoint.host, endpoint.port, tv) else {
            throw RedisError(recovery: .reconnect, description: "cannot connect to \(endpoint): out of memory")
        }
        if fresh.pointee.err != 0 {
            let reason = Self.message(fresh)
            redisFree(fresh)
            throw RedisError(recovery: .reconnect, description: "cannot connect to \(endpoint): \(reason) (is redis-server running? check the --url)")
        }
        // Replies wait at most this long; BLOCK waits are shorter.
        tv = timeval(tv_sec: Int(timeout.components.seconds) + 5, tv_usec: 0)
        redisSetTimeout(fresh, tv)
        context = fresh
        do {
            if let password = endpoint.password {
                let auth = endpoint.user.map { ["AUTH", $0, password] } ?? ["AUTH", password]
                try setUp(auth) { "Redis refused the password for \(self.endpoint): \($0)" }
            }
            if endpoint.database != 0 {
                try setUp(["SELECT", String(endpoint.database)]) { "cannot select database \(self.endpoint.database): \($0)" }
            }
            try setUp(["PING"]) { message in
                let advice = message.hasPrefix("NOAUTH") ? " (give the password in the --url: redis://:password@host:port)" : ""
                return "Redis at \(self.endpoint) refused PING: \(message)\(advice)"
            }
        } catch {
            // Half set up (not authenticated, another database): never use it; the next command
            // opens a new one.
            close()
            throw error
        }
    }

    /// One command of the connection's set-up: an error reply that means "not yet" (still loading)
    /// is retryable like a refused connection; any other is worded by `refusal`.
    private func setUp(_ arguments: [String], refusal: (String) -> String) throws {
        guard case .error(let message) = try send([arguments.map { Array($0.utf8) }])[0] else { return }
        if RedisError(reply: message, command: arguments[0]).isRetryable {
            throw RedisError(recovery: .retry, description: "\(endpoint) is not ready: \(message)")
        }
        throw RedisError(recovery: .stop, description: refusal(message))
    }

    /// Frees the context; the next command connects again.
    func close() {
        if let context { redisFree(context) }
        context = nil
    }

    /// Runs one command. A broken connection, and a "not yet" error reply (`LOADING`, `BUSY`, …:
    /// ``RedisError/transientReplyCodes``), throw a retryable ``RedisError``; any other error reply
    /// is returned as `.error` for the caller to word. A connection that broke before is opened
    /// again first.
    func command(_ arguments: [String]) throws -> RedisReply {
        try command(arguments.map { Array($0.utf8) })
    }

    func command(_ arguments: [[UInt8]]) throws -> RedisReply {
        try pipeline([arguments])[0]
    }

    /// Sends every command, then reads every reply (one round trip); errors as in `command`. Should
    /// any reply be "not yet", the whole pipeline throws: those commands did not run, the others
    /// did, so pipeline only commands that may run twice.
    func pipeline(_ commands: [[[UInt8]]]) throws -> [RedisReply] {
        if context == nil { try open() }
        let replies = try send(commands)
        for (arguments, reply) in zip(commands, replies) {
            if case .error(let message) = reply {
                let error = RedisError(reply: message, command: String(decoding: arguments.first ?? [], as: UTF8.self))
                if error.isRetryable { throw error }
            }
        }
        return replies
    }

    /// Sends and reads, with no classification of the replies.
    private func send(_ commands: [[[UInt8]]]) throws -> [RedisReply] {
        guard let context else { throw RedisError(recovery: .reconnect, description: "the connection to \(endpoint) is closed") }
        for arguments in commands {
            let status: Int32 = withArgv(arguments) { argv, lengths in
                redisAppendCommandArgv(context, Int32(arguments.count), argv, lengths)
            }
            guard status == REDIS_OK else { throw broken() }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw broken() }
            let reply = raw.assumingMemoryBound(to: redisReply.self)
            replies.append(Self.copy(reply))
            freeReplyObject(raw)
        }
        return replies
    }

    private func broken() -> RedisError {
        let reason = context.map(Self.message) ?? "closed"
        // A context that saw an I/O error is unusable: free it; the next command reconnects.
        close()
        return RedisError(recovery: .reconnect, description: "lost the connection to \(endpoint): \(reason)")
    }

    private static func message(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func copy(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let node = reply.pointee
        switch node.type {
        case REDIS_REPLY_STRING:
            guard let str = node.str else { return .string([]) }
            return .string(Array(UnsafeRawBufferPointer(start: str, count: Int(node.len))))
        case REDIS_REPLY_STATUS:
            return .status(node.str.map { String(cString: $0) } ?? "")
        case REDIS_REPLY_ERROR:
            return .error(node.str.map { String(cString: $0) } ?? "error")
        case REDIS_REPLY_INTEGER:
            return .integer(node.integer)
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            items.reserveCapacity(Int(node.elements))
            for index in 0..<Int(node.elements) {
                if let element = node.element?[index] { items.append(copy(element)) } else { items.append(.null) }
            }
            return .array(items)
        default:
            return .null
        }
    }

    /// argv/argvlen for hiredis, valid during `body`.
    private func withArgv<T>(_ arguments: [[UInt8]], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> T) -> T {
        precondition(!arguments.isEmpty, "a Redis command has a name")
        let buffers = arguments.map { bytes -> UnsafeMutablePointer<CChar> in
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
            bytes.withUnsafeBytes { raw in
                if let base = raw.baseAddress { buffer.withMemoryRebound(to: UInt8.self, capacity: bytes.count) { $0.update(from: base.assumingMemoryBound(to: UInt8.self), count: bytes.count) } }
            }
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        var argv: [UnsafePointer<CChar>?] = buffers.map { UnsafePointer($0) }
        let lengths = arguments.map(\.count)
        // Both buffers are non-empty (the precondition above), so their base addresses exist.
        return argv.withUnsafeMutableBufferPointer { argvBuffer in
            lengths.withUnsafeBufferPointer { lengthBuffer in
                body(argvBuffer.baseAddress!, lengthBuffer.baseAddress!)
            }
        }
    }
}
