import Foundation
import Testing
@testable import SwiftletStore

/// The backends every conformance test runs against.
enum BackendKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite

    var testDescription: String { rawValue }
}

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("swiftlet-store-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

struct WatchTimedOut: Error {}

/// Opens a fresh store of `kind`, runs `body`, then closes the store and removes its files.
func withStore<T: Sendable>(
    _ kind: BackendKind,
    options: StoreOptions = StoreOptions(),
    _ body: (any StoreBackend) async throws -> T
) async throws -> T {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let store: any StoreBackend
    switch kind {
    case .memory:
        store = MemoryBackend(options: options)
    case .sqlite:
        store = try await SQLiteBackend.open(path: directory.path + "/db/state.db", options: options)
    }
    do {
        let result = try await body(store)
        await store.close()
        return result
    } catch {
        await store.close()
        throw error
    }
}

/// Reads batches from `stream` until `count` events arrived or the stream ended.
func collect(
    _ stream: AsyncThrowingStream<[StoreEvent], any Error>,
    count: Int,
    timeout: Duration = .seconds(20)
) async throws -> [StoreEvent] {
    try await withThrowingTaskGroup(of: [StoreEvent]?.self) { group in
        group.addTask {
            var events: [StoreEvent] = []
            for try await batch in stream {
                events += batch
                if events.count >= count { break }
            }
            return events
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let events = try await group.next() ?? nil else { throw WatchTimedOut() }
        return events
    }
}

func bytes(_ text: String) -> [UInt8] {
    Array(text.utf8)
}
