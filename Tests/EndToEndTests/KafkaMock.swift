import Foundation

/// librdkafka's mock Kafka cluster, hosted by the `SluiceKafkaMock` helper built beside `sluice`:
/// the real Kafka protocol on a loopback port, for as long as this object lives.
final class KafkaMock {
    let bootstrap: String
    private let process: Process
    private let commands: FileHandle
    private let replies: FileHandle

    init(topic: String, partitions: Int) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: SluiceCLI.binary).deletingLastPathComponent().appendingPathComponent("SluiceKafkaMock")
        process.arguments = ["--topic", topic, "--partitions", String(partitions)]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        commands = input.fileHandleForWriting
        replies = output.fileHandleForReading
        let first = Self.readLine(replies)
        guard first.hasPrefix("bootstrap=") else {
            process.terminate()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "SluiceKafkaMock said: \(first)"])
        }
        bootstrap = String(first.dropFirst("bootstrap=".count))
    }

    deinit {
        try? commands.close()
        process.terminate()
        process.waitUntilExit()
    }

    /// Produces the file's lines, round-robin over the partitions; returns how many.
    func produce(_ file: URL) throws -> Int {
        commands.write(Data("produce \(file.path)\n".utf8))
        let reply = Self.readLine(replies)
        guard reply.hasPrefix("produced "), let count = Int(reply.dropFirst("produced ".count)) else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "SluiceKafkaMock said: \(reply)"])
        }
        return count
    }

    /// One line from the helper (blocking; it answers each command with one line).
    private static func readLine(_ handle: FileHandle) -> String {
        var bytes: [UInt8] = []
        while true {
            let data = handle.readData(ofLength: 1)
            guard let byte = data.first, byte != UInt8(ascii: "\n") else { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
