import Foundation
import Testing
@testable import SwiftletStore

@Suite("Store endpoints")
struct StoreEndpointTests {
    @Test(arguments: [
        ("", StoreEndpoint.sqlite(path: "/var/lib/swiftlet/db/state.db")),
        ("sqlite://", .sqlite(path: "/var/lib/swiftlet/db/state.db")),
        ("sqlite:///srv/state.db", .sqlite(path: "/srv/state.db")),
        ("sqlite:///srv/state.db?_journal=WAL&cache=shared", .sqlite(path: "/srv/state.db")),
        ("sqlite://custom/state.db", .sqlite(path: "/var/lib/swiftlet/custom/state.db")),
        ("SQLite:///x.db", .sqlite(path: "/x.db")),
        ("memory://", .memory),
    ])
    func parses(endpoint: String, expected: StoreEndpoint) throws {
        #expect(try StoreEndpoint(parsing: endpoint, dataDir: "/var/lib/swiftlet") == expected)
    }

    @Test(arguments: ["etcd://127.0.0.1:2379", "https://10.0.0.1:2379", "postgres://db/k8s", "state.db"])
    func rejectsWhatItCannotServe(endpoint: String) {
        #expect {
            try StoreEndpoint(parsing: endpoint, dataDir: "/var/lib/swiftlet")
        } throws: { error in
            guard case .unsupportedEndpoint(let named, let reason) = error as? StoreError else { return false }
            return named == endpoint && !reason.isEmpty
        }
    }

    @Test func factoryOpensTheDefaultFileInTheDataDir() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await StoreFactory.open(endpoint: "", dataDir: directory.path)
        _ = try await store.create("/k", value: [])
        #expect(store is SQLiteBackend)
        #expect(FileManager.default.fileExists(atPath: directory.path + "/db/state.db"))
        await store.close()

        let memory = try await StoreFactory.open(endpoint: "memory://", dataDir: directory.path)
        #expect(memory is MemoryBackend)
        await memory.close()
    }
}
