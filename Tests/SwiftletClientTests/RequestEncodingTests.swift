import SwiftletAPI
@testable import SwiftletClient
import Testing

@Suite struct RequestEncodingTests {
    @Test func selectorsArePercentEncodedInTheQuery() throws {
        let query = ListQuery(labelSelector: try LabelSelector.parse("app in (a,b),tier!=db"), limit: 10)
        let request = APIRequest(method: .get, path: "/api/v1/namespaces/default/pods", query: query.queryItems())
        #expect(request.target == "/api/v1/namespaces/default/pods?labelSelector=app%20in%20%28a%2Cb%29%2Ctier%21%3Ddb&limit=10")
    }

    @Test func watchQueryDropsPagingAndAddsWatch() {
        let query = ListQuery(limit: 5, continueToken: "x", resourceVersion: "42", timeoutSeconds: 300, allowWatchBookmarks: true)
        let names = query.queryItems(watch: true).map { "\($0.name)=\($0.value)" }
        #expect(names == ["resourceVersion=42", "watch=true", "allowWatchBookmarks=true", "timeoutSeconds=300"])
    }
}
