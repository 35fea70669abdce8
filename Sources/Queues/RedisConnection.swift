import CHiredis
import Foundation

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

/// A failure talking to Redis, with the server's message or the socket's.
public struct RedisError: Error, CustomStringConvertible {
    /// The connection broke (or never opened): reconnect and retry.
    public var isConnectionFailure: Bool
    public var description: String
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
            throw RedisError(isConnectionFailure: false, description: "malformed Redis URL (expected redis://[:password@]host[:port][/db])")
        }
        guard components.scheme == "redis" else {
            throw RedisError(isConnectionFailure: false, description: "rediss:// (TLS) is not supported by this build; use a TLS tunnel or redis://")
        }
        self.host = host
        self.port = Int32(components.port ?? 6379)
        self.user = components.user.flatMap { $0.isEmpty ? nil : $0 }
        self.password = components.password
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard path.isEmpty || Int(path) != nil else {
            throw RedisError(isConnectionFailure: false, description: "malformed Redis URL: the path must be a database number")
        }
        self.database = Int(path) ?? 0
    }

    public var description: String { "redis://\(host):\(port)/\(database)" }
}

/// One hiredis connection, used by one thread at a time (see `BlockingClient`). Its `deinit` frees
/// the context.
final class RedisConnection {
    private var context: UnsafeMutablePointer<redisContext>?
    let endpoint: RedisEndpoint

    init(endpoint: RedisEndpoint, timeout: Duration = .seconds(10)) throws {
        self.endpoint = endpoint
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        guard let context = redisConnectWithTimeout(endpoint.host, endpoint.port, tv) else {
            throw RedisError(isConnectionFailure: true, description: "cannot connect to \(endpoint): out of memory")
        }
        self.context = context
        if context.pointee.err != 0 {
            let reason = Self.message(context)
            redisFree(context)
            self.context = nil
            throw RedisError(isConnectionFailure: true, description: "cannot connect to \(endpoint): \(reason) (is redis-server running? check the --url)")
        }
        // Replies wait at most this long; BLOCK waits are shorter.
        tv = timeval(tv_sec: Int(timeout.components.seconds) + 5, tv_usec: 0)
        redisSetTimeout(context, tv)
        if let password = endpoint.password {
            let auth = endpoint.user.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            if case .error(let message) = try command(auth.map { Array($0.utf8) }) {
                throw RedisError(isConnectionFailure: false, description: "Redis refused the password for \(endpoint): \(message)")
            }
        }
        if endpoint.database != 0, case .error(let message) = try command(["SELECT", String(endpoint.database)]) {
            throw RedisError(isConnectionFailure: false, description: "cannot select database \(endpoint.database): \(message)")
        }
    }

    deinit {
        if let context { redisFree(context) }
    }

    /// Runs one command; a Redis error reply is returned as `.error`, a broken connection throws.
    func command(_ arguments: [String]) throws -> RedisReply {
        try command(arguments.map { Array($0.utf8) })
    }

    func command(_ arguments: [[UInt8]]) throws -> RedisReply {
        try pipeline([arguments])[0]
    }

    /// Sends every command, then reads every reply (one round trip).
    func pipeline(_ commands: [[[UInt8]]]) throws -> [RedisReply] {
        guard let context else { throw RedisError(isConnectionFailure: true, description: "the connection to \(endpoint) is closed") }
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
        // A context that saw an I/O error is unusable: free it, the owner reconnects.
        if let context { redisFree(context) }
        context = nil
        return RedisError(isConnectionFailure: true, description: "lost the connection to \(endpoint): \(reason)")
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
