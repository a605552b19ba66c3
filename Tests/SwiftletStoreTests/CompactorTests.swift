import Testing
@testable import SwiftletStore

@Suite("Compactor")
struct CompactorTests {
    @Test(arguments: BackendKind.allCases)
    func compactsOldHistoryUntilCancelled(kind: BackendKind) async throws {
        try await withStore(kind) { store in
            var kv = try await store.create("/k", value: [])
            for _ in 0..<50 {
                kv = try await store.update("/k", value: [], expectedRevision: kv.modRevision)
            }
            let compactor = Compactor(store: store, interval: .milliseconds(20), retainedRevisions: 10)
            let running = Task { await compactor.run() }
            var compacted: Int64 = 0
            for _ in 0..<500 where compacted == 0 {
                try await Task.sleep(for: .milliseconds(10))
                compacted = try await store.compactedRevision()
            }
            running.cancel()
            await running.value
            #expect(compacted == kv.modRevision - 10)
            #expect(try await store.get("/k") == kv)
        }
    }
}
