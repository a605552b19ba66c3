import Foundation
import Testing
@testable import SwiftletStore

@Suite("SQLite backend")
struct SQLiteBackendTests {
    @Test func writesAreDurableAndUseWALWithFullSync() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await SQLiteBackend.open(path: directory.path + "/state.db")
        #expect(try await store.writerPragma("journal_mode") == "wal")
        #expect(try await store.writerPragma("synchronous") == "2")  // FULL
        #expect(try await store.writerPragma("auto_vacuum") == "2")  // INCREMENTAL
        await store.close()
    }

    /// Copies the database files while the store is still open, as `kill -9` would leave them,
    /// and checks that every acknowledged write is in the copy.
    @Test func everyAcknowledgedWriteSurvivesAnUncleanStop() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/live/state.db"
        let store = try await SQLiteBackend.open(path: path)
        let acknowledged = try await withThrowingTaskGroup(of: KeyValue.self) { group in
            for index in 0..<200 {
                group.addTask { try await store.create("/registry/pods/ns/p\(index)", value: bytes("\(index)")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        var updated = try #require(acknowledged.first)
        updated = try await store.update(updated.key, value: bytes("updated"), expectedRevision: updated.modRevision)
        let deleted = try await store.delete(acknowledged[1].key, expectedRevision: nil)
        let revision = try await store.currentRevision()

        let crashed = directory.path + "/crashed"
        try FileManager.default.createDirectory(atPath: crashed, withIntermediateDirectories: true)
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
            try FileManager.default.copyItem(atPath: path + suffix, toPath: crashed + "/state.db" + suffix)
        }
        let recovered = try await SQLiteBackend.open(path: crashed + "/state.db")
        #expect(try await recovered.currentRevision() == revision)
        let listed = try await recovered.list(prefix: "/registry/pods/", startAfter: nil, limit: nil, atRevision: nil)
        var expected = Set(acknowledged)
        expected.remove(acknowledged[0])
        expected.remove(acknowledged[1])
        expected.insert(updated)
        #expect(Set(listed.kvs) == expected)
        #expect(try await recovered.get(deleted.key) == nil)
        // Revisions continue where the log ended.
        #expect(try await recovered.create("/after", value: []).modRevision == revision + 1)
        await recovered.close()
        await store.close()
    }

    @Test func reopeningKeepsRevisionsAndCompaction() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/state.db"
        var store = try await SQLiteBackend.open(path: path)
        let kept = try await store.create("/kept", value: bytes("v"))
        let gone = try await store.create("/gone", value: bytes("v"))
        let deleted = try await store.delete(gone.key, expectedRevision: nil)
        // Compacting away the newest row (a tombstone) must not move the revision back.
        try await store.compact(revision: deleted.modRevision)
        await store.close()

        store = try await SQLiteBackend.open(path: path)
        #expect(try await store.currentRevision() == deleted.modRevision)
        #expect(try await store.compactedRevision() == deleted.modRevision)
        #expect(try await store.get("/kept") == kept)
        #expect(try await store.rowCount() == 1)
        #expect(try await store.create("/next", value: []).modRevision == deleted.modRevision + 1)
        await store.close()
    }

    @Test func compactionShrinksTheLog() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await SQLiteBackend.open(path: directory.path + "/state.db")
        let value = [UInt8](repeating: 0x61, count: 2_000)
        for key in 0..<50 {
            var kv = try await store.create("/registry/configmaps/ns/cm\(key)", value: value)
            for _ in 0..<20 {
                kv = try await store.update(kv.key, value: value, expectedRevision: kv.modRevision)
            }
            if key % 2 == 0 {
                _ = try await store.delete(kv.key, expectedRevision: nil)
            }
        }
        #expect(try await store.rowCount() == 50 * 21 + 25)
        let before = try await store.list(prefix: "/", startAfter: nil, limit: nil, atRevision: nil)

        try await store.compact(revision: try await store.currentRevision())
        #expect(try await store.rowCount() == 25)
        let after = try await store.list(prefix: "/", startAfter: nil, limit: nil, atRevision: nil)
        #expect(after.kvs == before.kvs)
        // About 2 MB were written and all but 25 values removed: the file gives the pages back.
        #expect(try await store.writerPragma("freelist_count").flatMap { Int($0) } ?? .max < 256)
        let pageCount = try #require(try await store.writerPragma("page_count").flatMap { Int($0) })
        #expect(pageCount < 200)
        await store.close()
    }

    @Test func compactionInStepsKeepsTheStateAtEveryRevision() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await SQLiteBackend.open(path: directory.path + "/state.db")
        var kv = try await store.create("/a", value: bytes("0"))
        for index in 1...30 {
            kv = try await store.update("/a", value: bytes("\(index)"), expectedRevision: kv.modRevision)
            _ = try await store.create("/b\(index)", value: [])
        }
        let snapshot = try await store.list(prefix: "/", startAfter: nil, limit: nil, atRevision: 40)
        for revision in stride(from: 5, through: 40, by: 5) {
            try await store.compact(revision: Int64(revision))
            #expect(try await store.list(prefix: "/", startAfter: nil, limit: nil, atRevision: 40) == snapshot)
        }
        await store.close()
    }
}
