// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "MachiGIS",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "machigis", targets: ["machigis"])
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System libraries, found through pkg-config (Debian: libspatialite-dev, libgeos-dev, libproj-dev).
        .systemLibrary(name: "CSpatiaLite", pkgConfig: "spatialite", providers: [.apt(["libspatialite-dev"])]),
        .systemLibrary(name: "CGEOS", pkgConfig: "geos", providers: [.apt(["libgeos-dev"])]),
        .systemLibrary(name: "CPROJ", pkgConfig: "proj", providers: [.apt(["libproj-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        .target(name: "MachiGeometry", dependencies: ["CGEOS", "CPROJ"], swiftSettings: strict),
        .target(name: "MachiFormats", dependencies: ["MachiGeometry"], swiftSettings: strict),
        .target(
            name: "MachiCore",
            dependencies: [
                "MachiGeometry", "MachiFormats", "CSpatiaLite",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .target(name: "MachiSewer", dependencies: ["MachiCore", "MachiGeometry"], swiftSettings: strict),
        .target(
            name: "MachiTiles", dependencies: ["MachiCore", "MachiGeometry", "CZlib", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .target(
            name: "MachiHTTP",
            dependencies: [
                "MachiCore", "MachiGeometry", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict),
        .target(
            name: "MachiOGC",
            dependencies: [
                "MachiCore", "MachiGeometry", "MachiTiles", "MachiHTTP", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict),
        .target(
            name: "MachiParking",
            dependencies: ["MachiCore", "MachiGeometry", "MachiFormats", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .target(
            name: "MachiElections",
            dependencies: [
                "MachiCore", "MachiGeometry", "MachiFormats",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict),
        .target(
            name: "MachiServer",
            dependencies: [
                "MachiCore", "MachiSewer", "MachiGeometry", "MachiElections", "MachiParking", "MachiFormats", "MachiOGC", "MachiHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "machigis",
            dependencies: [
                "MachiCore", "MachiServer", "MachiSewer", "MachiFormats", "MachiElections", "MachiParking", "MachiTiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        .executableTarget(
            name: "machigis-bench",
            dependencies: [
                "MachiCore", "MachiSewer", "MachiGeometry", "MachiParking", "MachiTiles", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        .testTarget(
            name: "MachiElectionsTests",
            dependencies: [
                "MachiElections", "MachiServer", "MachiHTTP", "MachiCore", "MachiGeometry", "MachiFormats", "MachiTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "MachiOGCTests",
            dependencies: [
                "MachiOGC", "MachiTiles", "MachiServer", "MachiCore", "MachiGeometry", "MachiTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "MachiTilesTests",
            dependencies: ["MachiTiles", "MachiCore", "MachiGeometry", "MachiTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .testTarget(name: "MachiGeometryTests", dependencies: ["MachiGeometry"], swiftSettings: strict),
        .testTarget(name: "MachiFormatsTests", dependencies: ["MachiFormats", "MachiGeometry"], swiftSettings: strict),
        .target(
            name: "MachiTestSupport",
            dependencies: ["MachiCore", "MachiGeometry", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/MachiTestSupport",
            exclude: ["Fixtures"],
            swiftSettings: strict),
        .testTarget(
            name: "MachiCoreTests",
            dependencies: ["MachiCore", "MachiSewer", "MachiFormats", "MachiGeometry", "MachiTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "MachiParkingTests",
            dependencies: [
                "MachiParking", "MachiCore", "MachiGeometry", "MachiTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "MachiServerTests",
            dependencies: [
                "MachiServer", "MachiHTTP", "MachiCore", "MachiSewer", "MachiParking", "MachiTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
