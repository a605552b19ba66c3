import SwiftletAPI
import Testing

@Suite struct PaginationTests {
    /// Every page but the last carries a continue token; together the pages hold every object once.
    @Test func continueTokensWalkTheWholeList() async throws {
        try await TestAPI.with { _, client in
            for i in 0..<12 {
                let body = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-\#(i)"}}"#
                #expect(try await client.call(.post, "/api/v1/namespaces/default/configmaps", body).status == 201)
            }
            var names: [String] = []
            var token: String?
            var pages = 0
            repeat {
                let path = "/api/v1/namespaces/default/configmaps?limit=5" + (token.map { "&continue=\($0)" } ?? "")
                let page = try await client.call(.get, path).json
                names += (page["items"]?.arrayValue ?? []).compactMap { $0["metadata"]?["name"]?.stringValue }
                token = page["metadata"]?["continue"]?.stringValue
                pages += 1
            } while token != nil && pages < 10
            #expect(pages == 3)
            #expect(names.count == 12)
            #expect(Set(names).count == 12)
        }
    }
}
