import SwiftletAPI
@testable import SwiftletClient
import Testing

@Suite struct WireFormatTests {
    @Test func statusBodiesBecomeTheSameAPIError() throws {
        let original = APIError.invalid(kind: "Pod", group: "", name: "p",
                                        errors: [.required("spec.containers"), .invalid("metadata.name", "A_B", "a lowercase RFC 1123 subdomain")])
        let decoded = APIError(status: original.status, code: 422)
        #expect(decoded.reason == .invalid)
        #expect(decoded.code == 422)
        #expect(decoded.message == original.message)
        #expect(decoded.name == "p")
        #expect(decoded.kind == "Pod")
        #expect(decoded.causes.map(\.field) == ["spec.containers", "metadata.name"])
        #expect(decoded.causes.map(\.description) == original.causes.map(\.description))
        #expect(decoded.status == original.status)
    }

    @Test func expiredWatchErrorsKeepTheirCode() {
        let status = APIError.expired("too old resource version: 2 (5)").status
        let decoded = APIError(status: status, code: 200)
        #expect(decoded.reason == .expired)
        #expect(decoded.code == 410)
    }

    @Test func bodiesThatAreNotAStatusKeepTheCode() {
        let error = APIResponse.error(status: 503, body: Array("upstream down\n".utf8))
        #expect(error.reason == .serviceUnavailable)
        #expect(error.message == "upstream down")
        let unknown = APIResponse.error(status: 418, body: [])
        #expect(unknown.code == 418)
    }

    @Test func watchLinesSplitAcrossChunks() throws {
        var decoder = WatchLineDecoder()
        let text = #"{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a"}}}"# + "\n"
            + #"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}"# + "\n"
            + #"{"type":"DELETED","object":{"metadata":{"name":"a"}}}"#
        let bytes = Array(text.utf8)
        var events: [WatchEvent] = []
        for chunk in stride(from: 0, to: bytes.count, by: 7).map({ bytes[$0..<min($0 + 7, bytes.count)] }) {
            events += try decoder.feed(chunk)
        }
        #expect(events.map(\.eventType) == [.added, .bookmark])
        #expect(events[0].object?["metadata"]?["name"] == "a")
        let last = try decoder.finish()
        #expect(last?.eventType == .deleted)
    }

    @Test func malformedWatchLinesFail() {
        var decoder = WatchLineDecoder()
        #expect(throws: APIError.self) { try decoder.feed(Array("not json\n".utf8)) }
    }

    @Test func kubeconfigNamesTheCurrentContextsServer() throws {
        let yaml = """
        apiVersion: v1
        kind: Config
        clusters:
        - cluster:
            server: http://10.0.0.1:1
          name: other
        - cluster:
            server: http://127.0.0.1:6443
          name: swiftlet
        contexts:
        - context:
            cluster: swiftlet
            user: admin
            namespace: team
          name: swiftlet
        current-context: swiftlet
        users:
        - name: admin
          user: {}
        """
        let config = try KubeconfigFile.parse(yaml)
        #expect(config.server == "http://127.0.0.1:6443")
        #expect(config.namespace == "team")
        #expect(throws: APIError.self) { try KubeconfigFile.parse("clusters: []") }
    }

    @Test func serverURLs() throws {
        let plain = try ServerURL("http://127.0.0.1:6443")
        #expect(plain.host == "127.0.0.1" && plain.port == 6443 && plain.pathPrefix == "")
        let prefixed = try ServerURL("http://example:8080/k8s/")
        #expect(prefixed.host == "example" && prefixed.pathPrefix == "/k8s")
        let v6 = try ServerURL("http://[::1]:7000")
        #expect(v6.host == "::1" && v6.port == 7000)
        #expect(try ServerURL("http://localhost").port == 80)
        #expect(throws: APIError.self) { try ServerURL("https://127.0.0.1:6443") }
        #expect(throws: APIError.self) { try ServerURL("127.0.0.1:6443") }
    }

    @Test func userAgentNamesTheComponent() {
        #expect(ClientIdentity(component: "controllers").userAgent == "swiftlet-controllers/v1.32.0")
    }
}
