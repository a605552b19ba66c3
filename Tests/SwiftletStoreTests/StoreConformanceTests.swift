import Testing
@testable import SwiftletStore

/// The contract of `StoreBackend`, run against every backend.
@Suite("Store conformance")
struct StoreConformanceTests {
    @Test(arguments: BackendKind.allCases)
    func createAndGet(kind: BackendKind) async throws {
        try await withStore(kind) { store in
            let start = try await store.currentRevision()
            #expect(start == 1)
            let created = try await store.create("/registry/pods/default/nginx", value: bytes("v1"))
            #expect(created.modRevision == start + 1)
            #expect(created.createRevision == created.modRevision)
            #expect(created.value == bytes("v1"))
            #expect(try await store.get("/registry/pods/default/nginx") == created)
            #expect(try await store.get("/registry/pods/default/missing") == nil)
            await #expect(throws: StoreError.keyExists(key: "/registry/pods/default/nginx")) {
                try await store.create("/registry/pods/default/nginx", value: bytes("v2"))
            }
            #expect(try await store.currentRevision() == created.modRevision)
        }
    }

    @Test(arguments: BackendKind.allCases)
    func updateIsCompareAndSwap(kind: BackendKind) async throws {
        try await withStore(kind) { store in
            let created = try await store.create("/k", value: bytes("v1"))
            let updated = try await store.update("/k", value: bytes("v2"), expectedRevision: created.modRevision)
            #expect(updated.modRevision == created.modRevision + 1)
            #expect(updated.createRevision == created.createRevision)
            #expect(updated.value == bytes("v2"))
            await #expect(throws: StoreError.conflict(key: "/k", current: updated)) {
                try await store.update("/k", value: bytes("v3"), expectedRevision: created.modRevision)
            }
            await #expect(throws: StoreError.notFound(key: "/missing")) {
                try await store.update("/missing", value: bytes("v"), expectedRevision: 1)
            }
            #expect(try await store.get("/k") == updated)
            // Failed writes take no revision.
            #expect(try await store.currentRevision() == updated.modRevision)
        }
    }

    @Test(arguments: BackendKind.allCases)
    func deleteReturnsTheLastValueAtTheDeleteRevision(kind: BackendKind) async throws {
        try await withStore(kind) { store in
            let created = try await store.create("/k", value: bytes("v1"))
            await #expect(throws: StoreError.conflict(key: "/k", current: created)) {
                try await store.delete("/k", expectedRevision: created.modRevision + 100)
            }
            let deleted = try await store.delete("/k", expectedRevision: created.modRevision)
            #expect(deleted == KeyValue(key: "/k", value: bytes("v1"), createRevision: created.createRevision, modRevision: created.modRevision + 1))
            #expect(try await store.get("/k") == nil)
            await #expect(throws: StoreError.notFound(key: "/k")) {
                try await store.delete("/k", expectedRevision: nil)
            }
            let recreated = try await store.create("/k", value: bytes("v2"))
            #expect(recreated.createRevision == deleted.modRevision + 1)
            let unconditional = try await store.delete("/k", expectedRevision: nil)
            #expect(unconditional.value == bytes("v2"))
            #expect(try await store.currentRevision() == unconditional.modRevision)
        }
    }

    @Test(arguments: BackendKind.allCases)
    func listByPrefixInByteOrder(kind: BackendKind) async throws {
        try await withStore(kind) { store in
            for key in ["/registry/pods/b/x", "/registry/pods/a/z", "/registry/pods/a/Z", "/registry/podsx/a",
                        "/registry/pods/a/y", "/registry/pods", "/registry/services/a/s"] {
                _ = try await store.create(key, value: bytes(key))
            }
            let gone = try await store.create("/registry/pods/a/gone", value: bytes("x"))
            _ = try await store.delete(gone.key, expectedRevision: gone.modRevision)

            let result = try await store.list(prefix: "/registry/pods/", startAfter: nil, limit: nil, atRevision: nil)
            #expect(result.kvs.map(\.key) == ["/registry/pods/a/Z", "/registry/pods/a/y", "/registry/pods/a/z", "/registry/pods/b/x"])
            #expect(result.kvs.allSatisfy { $0.value == bytes($0.key) })
            #expect(result.revision == (try await store.currentRevision()))
            #expect(!result.more)
            #expect(try await store.count(prefix: "/registry/pods/") == 4)
            #expect(try await store.count(prefix: "") == 7)

            let all = try await store.list(prefix: "", startAfter: nil, limit: nil, atRevision: nil)
            #expect(all.kvs.count == 7)
            #expect(all.kvs.map(\.key) == all.kvs.map(\.key).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        }
    }

    @Test(arguments: BackendKind.allCases)
    func paginationWithStartAfterAndLimit(kind: BackendKind) async throws {
        try await withStore(kind) { store in
            let keys = (0..<10).map { "/registry/configmaps/ns/cm-\($0)" }
            for key in keys {
                _ = try await store.create(key, value: bytes(key))
            }
            let first = try await store.list(prefix: "/registry/configmaps/", startAfter: nil, limit: 4, atRevision: nil)
            #expect(first.kvs.map(\.key) == Array(keys[0..<4]))
            #expect(first.more)
            #expect(first.remaining == 6)

            // Changes after the first page do not show in the next pages read at its revision.
            _ = try await store.create("/registry/configmaps/ns/cm-99", value: bytes("new"))
            let nine = try #require(try await store.get(keys[9]))
            _ = try await store.delete(keys[9], expectedRevision: nine.modRevision)

            var seen = first.kvs.map(\.key)
            var page = first
            while page.more {
                page = try await store.list(
                    prefix: "/registry/configmaps/", startAfter: page.kvs.last?.key, limit: 4, atRevision: first.revision
                )
                #expect(page.revision == first.revision)
                seen += page.kvs.map(\.key)
            }
            #expect(seen == keys)
            #expect(page.remaining == 0)

            let latest = try await store.list(prefix: "/registry/configmaps/", startAfter: keys[7], limit: 4, atRevision: nil)
            #expect(latest.kvs.map(\.key) == [keys[8], "/registry/configmaps/ns/cm-99"])
            #expect(!latest.more)
        }
    }

    @Test(arguments: BackendKind.allCases)
    func listAtAnOldRevision(kind: BackendKind) async throws {
        try await withStore(kind) { store in
            let a1 = try await store.create("/a", value: bytes("a1"))
            let b1 = try await store.create("/b", value: bytes("b1"))
            let before = try await store.currentRevision()
            let a2 = try await store.update("/a", value: bytes("a2"), expectedRevision: a1.modRevision)
            _ = try await store.delete("/b", expectedRevision: nil)
            _ = try await store.create("/c", value: bytes("c1"))

            let old = try await store.list(prefix: "/", startAfter: nil, limit: nil, atRevision: before)
            #expect(old.kvs == [a1, b1])
            #expect(old.revision == before)
            let now = try await store.list(prefix: "/", startAfter: nil, limit: nil, atRevision: nil)
            #expect(now.kvs.map(\.key) == ["/a", "/c"])
            #expect(now.kvs.first == a2)
            let empty = try await store.list(prefix: "/", startAfter: nil, limit: nil, atRevision: 1)
            #expect(empty.kvs.isEmpty)

            let current = try await store.currentRevision()
            await #expect(throws: StoreError.futureRevision(requested: current + 1, current: current)) {
                try await store.list(prefix: "/", startAfter: nil, limit: nil, atRevision: current + 1)
            }
        }
    }

    @Test(arguments: BackendKind.allCases)
    func everyWriteTakesTheNextRevision(kind: BackendKind) async throws {
        try await withStore(kind) { store in
            var revision = try await store.currentRevision()
            for index in 0..<20 {
                let key = "/k\(index % 3)"
                let kv: KeyValue
                if let current = try await store.get(key) {
                    kv = index % 2 == 0
                        ? try await store.update(key, value: bytes("\(index)"), expectedRevision: current.modRevision)
                        : try await store.delete(key, expectedRevision: current.modRevision)
                } else {
                    kv = try await store.create(key, value: bytes("\(index)"))
                }
                #expect(kv.modRevision == revision + 1)
                revision = kv.modRevision
                #expect(try await store.currentRevision() == revision)
                _ = try? await store.create(key, value: [])  // may fail: failures take no revision
                revision = try await store.currentRevision()
            }
        }
    }

    @Test(arguments: BackendKind.allCases)
    func watchFromARevisionReplaysExactlyWhatIsNewer(kind: BackendKind) async throws {
        try await withStore(kind) { store in
            let a1 = try await store.create("/registry/pods/a", value: bytes("a1"))
            let from = try await store.currentRevision()
            let a2 = try await store.update("/registry/pods/a", value: bytes("a2"), expectedRevision: a1.modRevision)
            _ = try await store.create("/registry/services/s", value: bytes("s"))
            let b1 = try await store.create("/registry/pods/b", value: bytes("b1"))
            let deleted = try await store.delete("/registry/pods/a", expectedRevision: a2.modRevision)

            let stream = try await store.watch(prefix: "/registry/pods/", fromRevision: from)
            let c1 = try await store.create("/registry/pods/c", value: bytes("c1"))
            let events = try await collect(stream, count: 4)
            #expect(events == [
                StoreEvent(type: .put, kv: a2, prevKV: a1),
                StoreEvent(type: .put, kv: b1, prevKV: nil),
                StoreEvent(type: .delete, kv: deleted, prevKV: a2),
                StoreEvent(type: .put, kv: c1, prevKV: nil),
            ])
            #expect(events.map(\.isCreate) == [false, true, false, true])

            let everything = try await collect(try await store.watch(prefix: "", fromRevision: -1), count: 6)
            #expect(everything.map(\.revision) == Array((from...c1.modRevision)))
        }
    }

    @Test(arguments: BackendKind.allCases)
    func replayInPagesHandsOverToLiveEventsInOrder(kind: BackendKind) async throws {
        try await withStore(kind, options: StoreOptions(replayBatchSize: 7)) { store in
            for index in 0..<50 {
                _ = try await store.create("/registry/pods/p\(index)", value: [])
                _ = try await store.create("/registry/other/o\(index)", value: [])
            }
            let stream = try await store.watch(prefix: "/registry/pods/", fromRevision: 1)
            let watcher = Task { try await collect(stream, count: 70) }
            for index in 50..<70 {
                _ = try await store.create("/registry/pods/p\(index)", value: [])
            }
            let events = try await watcher.value
            #expect(events.map(\.kv.key) == (0..<70).map { "/registry/pods/p\($0)" })
            #expect(zip(events, events.dropFirst()).allSatisfy { $0.revision < $1.revision })
        }
    }

    @Test(arguments: BackendKind.allCases)
    func droppedOrCancelledWatchesAreUnregistered(kind: BackendKind) async throws {
        try await withStore(kind) { store in
            func watchers() -> Int {
                switch store {
                case let memory as MemoryBackend: return memory.watcherCount
                case let sqlite as SQLiteBackend: return sqlite.watcherCount
                default: return -1
                }
            }
            do {
                _ = try await store.watch(prefix: "/", fromRevision: 1)
            }
            #expect(watchers() == 0)

            let stream = try await store.watch(prefix: "/", fromRevision: 1)
            #expect(watchers() == 1)
            let consumer = Task { for try await _ in stream {} }
            try await Task.sleep(for: .milliseconds(20))
            consumer.cancel()
            try await consumer.value
            #expect(watchers() == 0)
        }
    }

    @Test(arguments: BackendKind.allCases)
    func watchDeliversLiveEventsUnderItsPrefix(kind: BackendKind) async throws {
        try await withStore(kind) { store in
            let stream = try await store.watch(prefix: "/registry/pods/", fromRevision: try await store.currentRevision())
            let watcher = Task { try await collect(stream, count: 3) }
            let created = try await store.create("/registry/pods/a", value: bytes("1"))
            _ = try await store.create("/registry/podsx/a", value: bytes("other"))
            let updated = try await store.update("/registry/pods/a", value: bytes("2"), expectedRevision: created.modRevision)
            let deleted = try await store.delete("/registry/pods/a", expectedRevision: nil)
            let events = try await watcher.value
            #expect(events.map(\.type) == [.put, .put, .delete])
            #expect(events.map(\.kv) == [created, updated, deleted])
            #expect(events.map(\.prevKV) == [nil, created, updated])
        }
    }

    @Test(arguments: BackendKind.allCases)
    func compactionDropsHistoryButKeepsLiveKeys(kind: BackendKind) async throws {
        try await withStore(kind) { store in
            var kv = try await store.create("/registry/pods/a", value: bytes("0"))
            for index in 1...5 {
                kv = try await store.update(kv.key, value: bytes("\(index)"), expectedRevision: kv.modRevision)
            }
            let b = try await store.create("/registry/pods/b", value: bytes("b"))
            _ = try await store.delete(b.key, expectedRevision: nil)
            let target = try await store.currentRevision()
            let after = try await store.create("/registry/pods/c", value: bytes("c"))
            try await store.compact(revision: target)
            #expect(try await store.compactedRevision() == target)

            await #expect(throws: StoreError.compacted(requested: target - 1, compactRevision: target)) {
                try await store.watch(prefix: "/registry/pods/", fromRevision: target - 1)
            }
            await #expect(throws: StoreError.compacted(requested: target - 1, compactRevision: target)) {
                try await store.list(prefix: "/", startAfter: nil, limit: nil, atRevision: target - 1)
            }
            let atTarget = try await store.list(prefix: "/", startAfter: nil, limit: nil, atRevision: target)
            #expect(atTarget.kvs == [kv])
            #expect(try await store.get(kv.key) == kv)
            let fromTarget = try await collect(try await store.watch(prefix: "/registry/pods/", fromRevision: target), count: 1)
            #expect(fromTarget == [StoreEvent(type: .put, kv: after, prevKV: nil)])

            try await store.compact(revision: target - 2)  // older than the compacted revision: nothing to do
            let current = try await store.currentRevision()
            await #expect(throws: StoreError.futureRevision(requested: current + 1, current: current)) {
                try await store.compact(revision: current + 1)
            }
            let latest = try await store.list(prefix: "/", startAfter: nil, limit: nil, atRevision: nil)
            #expect(latest.kvs == [kv, after])
        }
    }

    @Test(arguments: BackendKind.allCases)
    func concurrentCreatesGetDistinctRevisionsAndAllPersist(kind: BackendKind) async throws {
        try await withStore(kind) { store in
            let start = try await store.currentRevision()
            let count = 300
            let created = try await withThrowingTaskGroup(of: KeyValue.self) { group in
                for index in 0..<count {
                    group.addTask { try await store.create("/registry/pods/ns/p\(index)", value: bytes("\(index)")) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(created.map(\.modRevision)) == Set((start + 1)...(start + Int64(count))))
            #expect(try await store.currentRevision() == start + Int64(count))
            let listed = try await store.list(prefix: "/registry/pods/", startAfter: nil, limit: nil, atRevision: nil)
            #expect(Set(listed.kvs) == Set(created))
            let events = try await collect(try await store.watch(prefix: "", fromRevision: start), count: count)
            #expect(events.map(\.revision) == Array((start + 1)...(start + Int64(count))))
        }
    }

    @Test(arguments: BackendKind.allCases)
    func concurrentUpdatesFromOneRevisionHaveOneWinner(kind: BackendKind) async throws {
        try await withStore(kind) { store in
            let created = try await store.create("/k", value: bytes("0"))
            let outcomes = await withTaskGroup(of: Result<KeyValue, StoreError>.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        do {
                            return .success(try await store.update("/k", value: bytes("\(index)"), expectedRevision: created.modRevision))
                        } catch let error as StoreError {
                            return .failure(error)
                        } catch {
                            return .failure(.internal("\(error)"))
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let winners = outcomes.compactMap { try? $0.get() }
            #expect(winners.count == 1)
            let winner = try #require(winners.first)
            for case .failure(let error) in outcomes {
                #expect(error == .conflict(key: "/k", current: winner))
            }
        }
    }

    @Test(arguments: BackendKind.allCases)
    func aWatcherThatFallsBehindIsEnded(kind: BackendKind) async throws {
        try await withStore(kind, options: StoreOptions(watchBufferLimit: 5)) { store in
            let slow = try await store.watch(prefix: "/", fromRevision: try await store.currentRevision())
            for index in 0..<10 {
                _ = try await store.create("/k\(index)", value: [])
            }
            await #expect(throws: StoreError.watcherTooSlow(prefix: "/", bufferedEvents: 5)) {
                _ = try await collect(slow, count: 10)
            }
            // Others are unaffected.
            let fresh = try await store.watch(prefix: "/", fromRevision: 1)
            #expect(try await collect(fresh, count: 10).count == 10)
        }
    }

    @Test(arguments: BackendKind.allCases)
    func watchesEndOnCancellationAndClose(kind: BackendKind) async throws {
        try await withStore(kind) { store in
            let cancelled = try await store.watch(prefix: "/", fromRevision: try await store.currentRevision())
            let consumer = Task {
                var batches = 0
                for try await _ in cancelled { batches += 1 }
                return batches
            }
            try await Task.sleep(for: .milliseconds(20))
            consumer.cancel()
            #expect(try await consumer.value == 0)

            let open = try await store.watch(prefix: "/", fromRevision: try await store.currentRevision())
            let reader = Task { try await collect(open, count: 1_000) }
            _ = try await store.create("/k", value: [])
            await store.close()
            #expect(try await reader.value.count <= 1)
            await #expect(throws: StoreError.closed) { try await store.watch(prefix: "/", fromRevision: 1) }
            await #expect(throws: StoreError.closed) { try await store.create("/x", value: []) }
            await #expect(throws: StoreError.closed) { try await store.get("/k") }
        }
    }
}
