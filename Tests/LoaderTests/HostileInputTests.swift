import Foundation
import Loader
import Postgres
import Testing
import TestSupport

@Suite("sluice load: hostile input")
struct HostileInputTests {
    /// Each hostile line with a phrase its rejection reason must contain (nil: it must load).
    static func hostileLines() -> [(bytes: [UInt8], reason: String?)] {
        let valid = LoaderFixture.cartLine(key: "ok-1")
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let huge = #"{"type":"cart","padding":""# + String(repeating: "x", count: 2 << 20) + #""}"#
        return [
            (Array(valid.utf8), nil),
            ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D], "UTF-8"),
            (Array(LoaderFixture.cartLine(key: "nul").replacingOccurrences(of: "c-nul", with: #"c\u0000nul"#).utf8), "\\u0000"),
            (Array(#"{"type":"cart","occurred_at":"2026-"#.utf8), "invalid JSON"),
            (Array(huge.utf8), "limit"),
            (Array(deep.utf8), ""),
            (Array(LoaderFixture.cartLine(key: "types").replacingOccurrences(of: #""amount":10.5"#, with: #""amount":"ten""#).utf8), "expected number"),
            ([], ""),
            (Array("   ".utf8), ""),
            (Array(LoaderFixture.cartLine(key: "future").replacingOccurrences(of: LoaderFixture.previousMonthPrefix(), with: "2999-01").utf8), "future"),
            (Array(LoaderFixture.cartLine(key: "past").replacingOccurrences(of: LoaderFixture.previousMonthPrefix(), with: "1969-07").utf8), "accepted window"),
            (Array("[1,2,3]".utf8), "object"),
            (Array(#""just a string""#.utf8), "object"),
            (Array(LoaderFixture.cartLine(key: "ok-2").utf8), nil),
        ]
    }

    @Test("every hostile line is accounted for with a clear reason and its exact bytes; BOM and CRLF are handled")
    func hostileFile() async throws {
        let lines = Self.hostileLines()
        // A BOM before the first line, CRLF endings on some lines, LF on others.
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        for (index, line) in lines.enumerated() {
            bytes += line.bytes
            bytes += index % 2 == 0 ? [0x0D, 0x0A] : [0x0A]
        }
        let input = try LoaderFixture.writeInput(bytes: bytes)
        try await LoaderFixture.withMigratedDatabase { url in
            let summary = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path], batchRows: 5))
            #expect(summary.read == lines.count)
            #expect(summary.loaded == 2)
            #expect(summary.rejected == lines.count - 2)
            #expect(summary.read == summary.loaded + summary.duplicates + summary.rejected + summary.sampledOut)
            #expect(try await LoaderFixture.loadedKeys(url) == ["ok-1", "ok-2"])

            let connection = try await PostgresConnection.connect(url)
            let rejects = try await connection.query("SELECT line_number, raw, errors::text AS errors FROM rejected_events ORDER BY line_number")
            #expect(rejects.count == lines.count - 2)
            for row in rejects {
                let number = try row.decode("line_number", as: Int.self)
                let expected = lines[number - 1]
                let raw = try row.decode("raw", as: PostgresBytes.self).bytes
                let errors = try row.decode("errors", as: String.self)
                #expect(raw == expected.bytes, "line \(number): raw bytes differ")
                #expect(errors.contains("\"field\""), "line \(number): \(errors)")
                if let reason = expected.reason, !reason.isEmpty {
                    #expect(errors.contains(reason), "line \(number): expected a reason mentioning \(reason), got \(errors)")
                }
            }
            await connection.close()
        }
    }
}
