import ArgumentParser
import Foundation

/// The `--json` output of every command: one object on one line, keys sorted (stable for scripts),
/// encoded once from an `Encodable` value.
enum JSONOutput {
    static func line(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(value) else { return #"{"error":"the output could not be encoded"}"# }
        return String(decoding: data, as: UTF8.self)
    }

    static func print(_ value: some Encodable) {
        Swift.print(line(value))
    }

    /// `{"error": message}`: what a `--json` command prints when it fails.
    struct Failure: Encodable {
        var error: String
    }

    /// Prints `{"error": …}` for `error` when `json`, then rethrows it as exit 1 (the message
    /// also goes to stderr through the usual path unless `json`).
    static func fail(_ error: Error, json: Bool) -> Error {
        guard json else { return error }
        print(Failure(error: String(describing: error)))
        return ExitCode.failure
    }
}
