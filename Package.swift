// swift-tools-version:6.0
import PackageDescription

// Layers (docs/architecture.md): the `sluice` executable over Compliance, Queues, Analytics, Loader
// and Warehouse, all over Postgres (the only module over libpq); EventContracts beside them (it
// never imports Postgres); SampleEvents for the demo, benchmarks and tests. Arrows point down only.
let package = Package(
    name: "sluice",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CHiredis",
            // No pkgConfig: hiredis.pc adds -D_FILE_OFFSET_BITS=64, which SwiftPM rejects with a
            // warning; the headers are in /usr/include/hiredis on Debian (see shim.h).
            providers: [.apt(["libhiredis-dev"])]
        ),
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
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
            ]
        ),
        .target(
            name: "SampleEvents",
            dependencies: ["EventContracts", "Postgres"]
        ),
        .target(
            name: "Loader",
            dependencies: [
                "CZlib",
                "Postgres",
                "EventContracts",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "Analytics",
            dependencies: ["Postgres"]
        ),
        .target(
            name: "Compliance",
            dependencies: ["Postgres", "EventContracts", "Loader", "CZlib", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "Queues",
            dependencies: ["CHiredis", "CRdKafka", "Loader", "EventContracts", "Postgres"]
        ),
        .executableTarget(
            name: "sluice",
            dependencies: [
                "Postgres",
                "Warehouse",
                "EventContracts",
                "Loader",
                "Analytics",
                "Compliance",
                "Queues",
                "SampleEvents",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: ["Postgres", "Warehouse"],
            path: "Tests/TestSupport"
        ),
        // Hosts librdkafka's mock Kafka cluster for the Kafka consumer's tests and for trying it.
        .executableTarget(
            name: "SluiceKafkaMock",
            dependencies: ["CRdKafka"],
            path: "Sources/SluiceKafkaMock"
        ),
        .executableTarget(
            name: "SluiceBench",
            dependencies: ["EventContracts", "SampleEvents"],
            path: "Sources/SluiceBench"
        ),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "EventContractsTests", dependencies: ["EventContracts"]),
        .testTarget(name: "WarehouseTests", dependencies: ["Warehouse", "Postgres", "TestSupport"]),
        .testTarget(name: "LoaderTests", dependencies: ["Loader", "EventContracts", "Warehouse", "Postgres", "TestSupport", "SampleEvents"]),
        .testTarget(name: "SampleEventsTests", dependencies: ["SampleEvents", "EventContracts"]),
        .testTarget(name: "AnalyticsTests", dependencies: ["Analytics", "Compliance", "Loader", "SampleEvents", "EventContracts", "Warehouse", "Postgres", "TestSupport"]),
        .testTarget(name: "ComplianceTests", dependencies: ["Compliance", "Analytics", "Loader", "SampleEvents", "EventContracts", "Warehouse", "Postgres", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Postgres", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
