// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "gatewayd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gatewayd", targets: ["gatewayd"]),
    ],
    dependencies: [
        // `traits: []` keeps swift-configuration out and stops Hummingbird rebuilding between build and test.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // MARK: Shared value type
        .target(name: "JSONCore"),

        // MARK: Wire protocol
        /// Engine.IO v4/v3: handshake, long-polling, the WebSocket pipeline, upgrades, heartbeats; knows nothing of Socket.IO.
        .target(
            name: "EngineIO",
            dependencies: [
                "JSONCore",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        /// Socket.IO v5/v4 on Engine.IO: namespaces, sockets, rooms, acks, the adapter.
        .target(
            name: "SocketIO",
            dependencies: [
                "EngineIO",
                "JSONCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),

        // MARK: Lua sandbox
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        .target(name: "CLuaShim", dependencies: ["CLua"]),
        .target(
            name: "ScriptSandbox",
            dependencies: [
                "CLuaShim", "JSONCore",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        /// Micro-benchmark of the handler sandbox and its `DB` calls: `swift run -c release sandbox-bench`.
        .executableTarget(name: "sandbox-bench", dependencies: ["ScriptSandbox", "JSONCore", "Gateway", "Persistence"]),

        // MARK: Storage
        .target(
            name: "Persistence",
            dependencies: [
                "JSONCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                /// The SQLite C API, for the progress handler that stops a collection query at its deadline.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                /// The event loops and thread pool the PostgreSQL backend blocks on and hops to.
                .product(name: "NIOPosix", package: "swift-nio"),
                /// The PostgreSQL backend; nothing above Persistence imports it.
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            plugins: ["EmbedMigrations"]
        ),
        /// Compiles `migrations/*.sql` into the Persistence module, so the binary runs from any directory.
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["EmbedMigrationsTool"]),
        .executableTarget(name: "EmbedMigrationsTool"),

        // MARK: Admin HTTP API
        .target(
            name: "AdminHTTP",
            dependencies: [
                "EngineIO",
                "Persistence",
                "ScriptSandbox",
                "JSONCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Gateway runtime
        /// Stored gateways served as Socket.IO namespaces whose events run Lua handlers through a job queue.
        .target(
            name: "Gateway",
            dependencies: [
                "SocketIO",
                "ScriptSandbox",
                "Persistence",
                "JSONCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),

        // MARK: Executables
        .executableTarget(
            name: "gatewayd",
            dependencies: [
                "AdminHTTP",
                "EngineIO",
                "Gateway",
                "JSONCore",
                "Persistence",
                "ScriptSandbox",
                "SocketIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        /// The small Socket.IO app the end-to-end protocol tests and the official suites run against.
        .executableTarget(
            name: "sio-testapp",
            dependencies: [
                "EngineIO",
                "SocketIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        /// Raw WebSocket echo on the same Hummingbird stack: the ceiling for the echo-ack benchmark.
        .executableTarget(
            name: "bench-ws-echo",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        /// The parsers under libFuzzer (`scripts/fuzz.sh TARGET SECONDS`, built with -DFUZZING); built plainly, it
        /// replays corpus files through them.
        .executableTarget(
            name: "gatewayd-fuzz",
            dependencies: [
                "EngineIO", "JSONCore", "SocketIO", "Gateway", "Persistence", "AdminHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        /// Load generator for the benchmarks: Engine.IO v4 / Socket.IO v5 over WebSocket on SwiftNIO.
        .executableTarget(
            name: "gateway-bench",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),

        // MARK: Tests
        .testTarget(name: "JSONCoreTests", dependencies: ["JSONCore"]),
        .testTarget(
            name: "EngineIOTests",
            dependencies: ["EngineIO", .product(name: "NIOEmbedded", package: "swift-nio")]
        ),
        .testTarget(
            name: "SocketIOTests",
            dependencies: ["SocketIO", "EngineIO", "JSONCore", .product(name: "NIOEmbedded", package: "swift-nio")]
        ),
        .testTarget(name: "ScriptSandboxTests", dependencies: ["ScriptSandbox"]),
        .testTarget(name: "PersistenceTests", dependencies: ["Persistence"]),
        .testTarget(name: "AdminHTTPTests", dependencies: ["AdminHTTP"]),
        .testTarget(
            name: "GatewayTests",
            dependencies: ["Gateway", "JSONCore", .product(name: "JWTKit", package: "jwt-kit")]
        ),
    ]
)
