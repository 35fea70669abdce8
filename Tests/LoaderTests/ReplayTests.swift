import EventContracts
import Foundation
import Loader
import SampleEvents
import Postgres
import Testing
import TestSupport

@Suite("sluice rejects replay")
struct ReplayTests {
    @Test("clinical events rejected for want of a medical key load exactly once after the key is configured")
    func replayAfterKeyIsConfigured() async throws {
        let now = NormalizationContext.nowMicroseconds()
        let generator = try EventGenerator(options: .init(contract: .pocm, seed: 11, tenantId: "default", days: 20, now: now))
        let count = 3_000
        let lines = (0..<count).map { String(decoding: generator.line($0), as: UTF8.self) }
        let input = try TestEvents.writeFile(lines)
        try await LoaderFixture.withMigratedDatabase { url in
            // No key: medical fields must never be stored in clear, so those events are rejected.
            let first = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            #expect(first.read == count)
            #expect(first.rejected > 0, "the corpus should hold device/clinical events")
            #expect(first.loaded + first.rejected == count)
            let connection = try await PostgresConnection.connect(url)
            let reasons = try await connection.query("SELECT DISTINCT errors::text AS e FROM rejected_events").map { try $0.decode("e", as: String.self) }
            #expect(reasons.allSatisfy { $0.lowercased().contains("key") }, "\(reasons)")

            var privacy = PrivacyPolicy()
            privacy.medicalKey = MedicalFieldKey(id: "test", bytes: Array(repeating: 9, count: 32))
            let configured = privacy
            let store = RejectStore(connectionString: TestDatabase.url(url, as: .loader))
            let replay = try await store.replay(source: nil, registry: LoaderFixture.registry.get(), privacy: { _ in configured })
            #expect(replay.examined == first.rejected)
            #expect(replay.loaded == first.rejected)
            #expect(replay.stillRejected == 0)

            let again = try await store.replay(source: nil, registry: LoaderFixture.registry.get(), privacy: { _ in configured })
            #expect(again.examined == 0)
            let events = try await connection.query("SELECT count(*) AS n, count(DISTINCT idempotency_key) AS k FROM events")[0]
            #expect(try events.decode("n", as: Int.self) == count)
            #expect(try events.decode("k", as: Int.self) == count)
            let waiting = try await connection.query("SELECT count(*) AS n FROM rejected_events WHERE replayed_at IS NULL")[0]
            #expect(try waiting.decode("n", as: Int.self) == 0)
            // Medical fields went in encrypted (an AES-GCM envelope object), never as clear strings.
            let medical = try await connection.query("""
                SELECT count(*) FILTER (WHERE jsonb_typeof(data_json->'patient_id') = 'string') AS clear,
                       count(*) FILTER (WHERE data_json->'patient_id'->>'enc' = 'AES-256-GCM') AS sealed
                FROM events
                """)[0]
            #expect(try medical.decode("clear", as: Int.self) == 0)
            #expect(try medical.decode("sealed", as: Int.self) > 0)
            await connection.close()
        }
    }
}
