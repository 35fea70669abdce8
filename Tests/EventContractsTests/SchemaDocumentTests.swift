@testable import EventContracts
import Foundation
import Testing

@Suite struct SchemaDocumentTests {
    @Test func everyShippedDocumentCompiles() throws {
        let registry = try EventContractRegistry()
        #expect(registry.eventTypes(of: .pocm).count == 45)
        #expect(registry.documents.filter { $0.contract == .pocm && $0.isOpen }.count == 20)
        #expect(registry.eventTypes(of: .ingestionAPI).sorted() == ["event_attendance", "event_details_update", "sales_transaction", "user_engagement", "user_profile_update"])
        #expect(registry.eventTypes(of: .growthos) == ["event"])
        #expect(registry.eventTypes(of: .platform).count == 18)
        #expect(registry.eventTypes(of: .recs).sorted() == ["add_to_cart", "click", "purchase", "search", "view"])
    }

    /// The embedded copy is what runs; the files are what partners read. They must agree.
    @Test func embeddedDocumentsMatchTheFilesOnDisk() throws {
        let directory = Fixture.schemasDirectory
        let files = try FileManager.default.subpathsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        if ProcessInfo.processInfo.environment["SLUICE_EMBED_SCHEMAS"] == "1" {
            try regenerateEmbeddedFile(files, directory)
        }
        let embedded = Dictionary(uniqueKeysWithValues: SchemaDocuments.embedded.map { ($0.path, $0.json) })
        #expect(files == embedded.keys.sorted())
        for file in files {
            let onDisk = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            #expect(onDisk.trimmingCharacters(in: .whitespacesAndNewlines) == embedded[file]?.trimmingCharacters(in: .whitespacesAndNewlines),
                    "\(file) differs from SchemaDocuments+Embedded.swift; run SLUICE_EMBED_SCHEMAS=1 swift test --filter SchemaDocumentTests")
        }
    }

    private func regenerateEmbeddedFile(_ files: [String], _ directory: URL) throws {
        var out = """
            // Generated from Sources/EventContracts/Schemas/**.json — do not edit by hand.
            // Regenerate: SLUICE_EMBED_SCHEMAS=1 swift test --filter EventContractsTests.SchemaDocumentTests
            // (a test fails whenever this file and the documents disagree).

            extension SchemaDocuments {
                /// Every schema document as `(path under Schemas/, JSON text)`, embedded so `sluice` works
                /// from any directory without a resource bundle.
                static let embedded: [(path: String, json: String)] = [

            """
        for file in files {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            out += "        (\"\(file)\", ####\"\"\"\n\(text)\"\"\"####),\n"
        }
        out += "    ]\n}\n"
        try out.write(to: directory.deletingLastPathComponent().appendingPathComponent("SchemaDocuments+Embedded.swift"), atomically: true, encoding: .utf8)
    }

    @Test func unsupportedKeywordsAreCompileErrors() {
        let document = #"{"x-sluice-contract":"pocm","x-sluice-type":"t","x-sluice-version":1,"type":"object","patternProperties":{}}"#
        #expect(throws: SchemaCompileError.self) { try EventContractRegistry(documents: [("pocm/t.v1.json", document)]) }
    }
}
