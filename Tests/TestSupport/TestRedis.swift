import Foundation

/// The redis-server `make test` starts (`SLUICE_TEST_REDIS_URL`), driven through redis-cli.
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

    /// Runs one command with redis-cli and returns what it printed.
    @discardableResult
    public static func command(_ arguments: [String]) throws -> String {
        try run(["-u", try url()] + arguments, input: nil)
    }

    /// XADDs every entry (field-value pairs) in one pipe, in order.
    public static func xadd(stream: String, entries: [[(String, String)]]) throws {
        var protocolText = ""
        protocolText.reserveCapacity(entries.count * 300)
        for entry in entries {
            let arguments = ["XADD", stream, "*"] + entry.flatMap { [$0.0, $0.1] }
            protocolText += "*\(arguments.count)\r\n"
            for argument in arguments { protocolText += "$\(argument.utf8.count)\r\n\(argument)\r\n" }
        }
        let output = try run(["-u", try url(), "--pipe"], input: Data(protocolText.utf8))
        guard output.contains("errors: 0") else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: output]) }
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
