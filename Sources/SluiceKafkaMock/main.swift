import CRdKafka
import Foundation

// sluice-kafka-mock: hosts librdkafka's mock Kafka cluster (rdkafka_mock.h, the real Kafka protocol
// on a loopback port) for tests and for trying `sluice consume kafka` without a broker.
//
//   sluice-kafka-mock [--topic T] [--partitions N] [--brokers N]
//
// Prints `bootstrap=HOST:PORT` on its first line, then reads commands on standard input:
//   produce PATH      produce PATH's lines to the topic, round-robin over its partitions;
//                     answers `produced N`
//   quit              (or end of input, SIGTERM) stop the cluster and exit
// kcat can produce to the printed bootstrap address too: kcat -b HOST:PORT -t T -P -l FILE

/// One line on standard output, written at once (the test reads it through a pipe).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("sluice-kafka-mock: \(message)\n".utf8))
    exit(1)
}

var topic = "events"
var partitions: Int32 = 4
var brokers = 1
var arguments = CommandLine.arguments.dropFirst()
@MainActor func value(of option: String) -> String {
    guard let value = arguments.popFirst() else { fail("\(option) needs a value") }
    return value
}
while let argument = arguments.popFirst() {
    switch argument {
    case "--topic": topic = value(of: argument)
    case "--partitions":
        guard let number = Int32(value(of: argument)), number > 0 else { fail("--partitions needs a positive number") }
        partitions = number
    case "--brokers":
        guard let number = Int(value(of: argument)), number > 0 else { fail("--brokers needs a positive number") }
        brokers = number
    case "-h", "--help":
        say("usage: sluice-kafka-mock [--topic T] [--partitions N] [--brokers N]; then `produce PATH` lines on stdin")
        exit(0)
    default: fail("unknown argument \(argument)")
    }
}

var errorText = [CChar](repeating: 0, count: 512)
/// A NUL-terminated C buffer as a String.
func text(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
let conf = rd_kafka_conf_new()
for (key, value) in [("test.mock.num.brokers", String(brokers)), ("linger.ms", "5"), ("log_level", "3")] {
    guard rd_kafka_conf_set(conf, key, value, &errorText, errorText.count) == RD_KAFKA_CONF_OK else {
        fail("\(key): \(text(errorText))")
    }
}
guard let producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
    fail("cannot create the producer: \(text(errorText))")
}
guard let cluster = rd_kafka_handle_mock_cluster(producer) else { fail("no mock cluster (librdkafka too old?)") }
let created = rd_kafka_mock_topic_create(cluster, topic, partitions, 1)
guard created == RD_KAFKA_RESP_ERR_NO_ERROR else { fail("cannot create topic \(topic): \(String(cString: rd_kafka_err2str(created)))") }
guard let topicHandle = rd_kafka_topic_new(producer, topic, nil) else { fail("cannot open topic \(topic)") }
say("bootstrap=\(String(cString: rd_kafka_mock_cluster_bootstraps(cluster)))")

/// Produces every line of `path` (without its newline), message i to partition i mod `partitions`.
@MainActor func produce(path: String) -> Int {
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    var count = 0
    data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
        guard let base = buffer.baseAddress else { return }
        var start = 0
        for index in 0...buffer.count {
            guard index == buffer.count || buffer[index] == UInt8(ascii: "\n") else { continue }
            defer { start = index + 1 }
            guard index > start else { continue }
            let partition = Int32(count % Int(partitions))
            while rd_kafka_produce(topicHandle, partition, RD_KAFKA_MSG_F_COPY, UnsafeMutableRawPointer(mutating: base + start),
                                   index - start, nil, 0, nil) == -1 {
                let error = rd_kafka_last_error()
                guard error == RD_KAFKA_RESP_ERR__QUEUE_FULL else { fail("produce: \(String(cString: rd_kafka_err2str(error)))") }
                rd_kafka_poll(producer, 100)
            }
            count += 1
            if count % 1000 == 0 { rd_kafka_poll(producer, 0) }
        }
    }
    while rd_kafka_flush(producer, 10_000) != RD_KAFKA_RESP_ERR_NO_ERROR {}
    return count
}

signal(SIGTERM) { _ in exit(0) }
signal(SIGINT) { _ in exit(0) }
while let line = readLine() {
    let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
    switch parts.first {
    case "produce" where parts.count == 2: say("produced \(produce(path: parts[1]))")
    case "quit": exit(0)
    case nil: continue
    default: say("error: unknown command \(line)")
    }
}
