// swift-tools-version:6.0
import PackageDescription

// Layers (DESIGN.md): sluice → {Loader, IngestAPI} → Warehouse → Postgres → CLibPQ,
// and EventContracts beside them (it never imports Postgres).
let package = Package(
    name: "sluice",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "CSupport"),
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ"]
        ),
        .target(
            name: "EventContracts",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // The JSON Schema documents are the readable source; the binary embeds them
            // (SchemaDocuments+Embedded.swift, checked equal by SchemaDocumentTests).
            exclude: ["Schemas"]
        ),
        .target(
            name: "Warehouse",
            dependencies: [
                "CSupport",
                "Postgres",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Loader",
            dependencies: [
                "CZlib",
                "Postgres",
                "Warehouse",
                "EventContracts",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "sluice",
            dependencies: [
                "Postgres",
                "Warehouse",
                "EventContracts",
                "Loader",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: ["Postgres"],
            path: "Tests/TestSupport"
        ),
        .executableTarget(
            name: "SluiceBench",
            dependencies: ["EventContracts", "Loader"],
            path: "Sources/SluiceBench"
        ),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "EventContractsTests", dependencies: ["EventContracts"]),
        .testTarget(name: "WarehouseTests", dependencies: ["Warehouse", "Postgres", "TestSupport"]),
        .testTarget(name: "LoaderTests", dependencies: ["Loader", "EventContracts", "Warehouse", "Postgres", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Postgres", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
