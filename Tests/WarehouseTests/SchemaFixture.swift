import Foundation
import Warehouse

/// The repository's own migrations/ and sql/, found from this source file's location.
enum SchemaFixture {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var files: SchemaFiles { SchemaFiles(root: repositoryRoot) }

    /// A private copy of migrations/ and sql/ that a test may edit.
    static func copy() throws -> SchemaFiles {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for folder in ["migrations", "sql"] {
            try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent(folder), to: root.appendingPathComponent(folder))
        }
        return SchemaFiles(root: root)
    }
}
