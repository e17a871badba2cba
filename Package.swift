// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "saba-recon",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "saba-recon", targets: ["saba-recon"]),
        // The sandbox and the demo: kept out of saba-recon so the production binary links no HTTP server.
        .executable(name: "saba-sandbox", targets: ["saba-sandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.25.0"),
        // Under PostgresNIO; named for sslmode's TLS settings.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.27.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        // Already under Hummingbird; named so the sandbox can use NIOCore and HTTPTypes directly.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.3.0"),
        // Already under Hummingbird; named so the sandbox can shut down gracefully (ServiceGroup).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
        // The config file (YAML, with line numbers for errors) and the Prometheus textfile.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        // Already under PostgresNIO; named for SHA-256 checksums of inputs and reports.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        // report.html from a template, HTML-escaped by default.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
    ],
    targets: [
        // libcurl through pkg-config; the shim wraps the variadic setopt/getinfo calls.
        .systemLibrary(
            name: "CCurl",
            path: "Sources/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // zlib reads gzipped refund-record files as a stream.
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // libxlsxwriter writes discrepancies.xlsx (a well-kept C library; Debian libxlsxwriter-dev).
        .systemLibrary(
            name: "CXlsxWriter",
            path: "Sources/CXlsxWriter",
            pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"])]
        ),
        .target(
            name: "CShim",
            dependencies: ["CCurl", "CZlib"],
            path: "Sources/CShim"
        ),
        .target(
            name: "SabaReconCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            path: "Sources/SabaReconCore"
        ),
        .target(
            name: "SabaReconIO",
            dependencies: [
                "SabaReconCore",
                "CCurl",
                "CZlib",
                "CShim",
                "CXlsxWriter",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API for the run store's hot loops (the same SQLite GRDB links).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/SabaReconIO"
        ),
        .target(
            name: "SabaSandbox",
            dependencies: [
                "SabaReconCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/SabaSandbox"
        ),
        .executableTarget(
            name: "saba-recon",
            dependencies: [
                "SabaReconCore",
                "SabaReconIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/saba-recon"
        ),
        .executableTarget(
            name: "saba-sandbox",
            dependencies: [
                "SabaReconCore",
                "SabaReconIO",
                "SabaSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/saba-sandbox"
        ),
        .executableTarget(
            name: "saba-bench",
            dependencies: ["SabaReconCore", "SabaReconIO", "SabaSandbox"],
            path: "Benchmarks/saba-bench"
        ),
        // Shared by the test targets: a private PostgreSQL server and a thread helper.
        .target(
            name: "TestSupport",
            dependencies: ["SabaReconIO", "SabaReconCore"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "SabaReconCoreTests",
            dependencies: ["SabaReconCore", "TestSupport"],
            path: "Tests/SabaReconCoreTests",
            resources: [.copy("Seeds")]
        ),
        .testTarget(
            name: "SabaReconIOTests",
            dependencies: [
                "SabaReconIO", "SabaReconCore", "SabaSandbox", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tests/SabaReconIOTests"
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "SabaReconCore", "SabaSandbox", "SabaReconIO", "TestSupport",
                // To hold the break book's write lock in a kill test.
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tests/EndToEndTests",
            resources: [.copy("Expected")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
