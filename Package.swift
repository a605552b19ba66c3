// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Swiftlet",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "swiftlet", targets: ["swiftlet"]),
        .executable(name: "swiftlet-bench", targets: ["swiftlet-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // The API object model: generated types, JSON value, quantities, selectors, defaulting, validation.
        .target(
            name: "SwiftletAPI",
            dependencies: [
                .product(name: "Collections", package: "swift-collections"),
            ]
        ),
        // A revisioned key-value store with etcd semantics (memory and SQLite backends).
        .target(
            name: "SwiftletStore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // API clients (HTTP and in-process), informers, listers, work queues, expectations.
        .target(
            name: "SwiftletClient",
            dependencies: [
                "SwiftletAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The controllers: one folder per controller (replicaset, deployment, …) on the client machinery.
        .target(
            name: "SwiftletControllers",
            dependencies: [
                "SwiftletAPI",
                "SwiftletClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The node agent: node registration, lease heartbeats, pod workers on CRI, CNI config, probes.
        .target(
            name: "SwiftletAgent",
            dependencies: [
                "SwiftletAPI",
                "SwiftletClient",
                "SwiftletControllers",
                "SwiftletCRI",
                "SwiftletScheduler",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Simulated nodes (like kwok): thousands of nodes in one process for tests and scale.
        .target(
            name: "SwiftletSimulator",
            dependencies: [
                "SwiftletAPI",
                "SwiftletAgent",
                "SwiftletClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The scheduler: scheduling queue, cache and snapshot, and the framework with one plugin per file.
        .target(
            name: "SwiftletScheduler",
            dependencies: [
                "SwiftletAPI",
                "SwiftletClient",
                "SwiftletControllers",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // CRI v1 client (generated protobuf + gRPC behind `ContainerRuntime`) and containerd supervision.
        .target(
            name: "SwiftletCRI",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Proto"]
        ),
        // The Kubernetes REST API over HTTP.
        .target(
            name: "SwiftletAPIServer",
            dependencies: [
                "SwiftletAPI",
                "SwiftletClient",
                "SwiftletStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "swiftlet",
            dependencies: [
                "SwiftletAgent",
                "SwiftletAPI",
                "SwiftletAPIServer",
                "SwiftletCRI",
                "SwiftletClient",
                "SwiftletControllers",
                "SwiftletScheduler",
                "SwiftletSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Benchmarks (not tests): `swiftlet-bench api` measures a live server; `podstart` also drives containerd over CRI.
        .executableTarget(
            name: "swiftlet-bench",
            dependencies: [
                "SwiftletAPI",
                "SwiftletAgent",
                "SwiftletCRI",
                "SwiftletClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "SwiftletAPITests", dependencies: ["SwiftletAPI"]),
        .testTarget(name: "SwiftletStoreTests", dependencies: ["SwiftletStore"]),
        .testTarget(
            name: "SwiftletAPIServerTests",
            dependencies: [
                "SwiftletAPIServer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        // What the tests that run real containerd, registries and servers share (not a test target itself).
        .target(name: "SwiftletTestSupport", path: "Tests/SwiftletTestSupport"),
        .testTarget(name: "EndToEndTests", dependencies: ["SwiftletAPI", "SwiftletCRI"]),
        .testTarget(name: "SwiftletControllersTests", dependencies: ["SwiftletControllers", "SwiftletAPIServer", "SwiftletStore", "SwiftletClient"]),
        .testTarget(
            name: "SwiftletSchedulerTests",
            dependencies: ["SwiftletScheduler", "SwiftletAPIServer", "SwiftletStore", "SwiftletClient"]
        ),
        .testTarget(
            name: "SwiftletClientTests",
            dependencies: ["SwiftletClient", "SwiftletAPIServer", "SwiftletStore"]
        ),
        .testTarget(
            name: "SwiftletAgentTests",
            dependencies: ["SwiftletAgent", "SwiftletCRI", "SwiftletAPIServer", "SwiftletStore", "SwiftletClient", "SwiftletControllers",
                           "SwiftletTestSupport"]
        ),
        .testTarget(
            name: "SwiftletSimulatorTests",
            dependencies: ["SwiftletSimulator", "SwiftletAgent", "SwiftletControllers", "SwiftletAPIServer", "SwiftletStore", "SwiftletClient"]
        ),
        .testTarget(
            name: "SwiftletCRITests",
            dependencies: ["SwiftletCRI", "SwiftletTestSupport", .product(name: "GRPCCore", package: "grpc-swift-2")]
        ),
    ]
)
