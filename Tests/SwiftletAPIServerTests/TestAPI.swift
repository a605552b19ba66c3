import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import SwiftletAPI
@testable import SwiftletAPIServer
import SwiftletStore

/// An API server on the in-memory store, driven through Hummingbird's router test client.
struct TestAPI {
    let registry: ResourceRegistry
    let handler: APIRequestHandler

    static func make() async throws -> (TestAPI, Task<Void, Never>) {
        let logger = Logger(label: "test")
        let store = MemoryBackend()
        let registry = ResourceRegistry(store: store, logger: logger)
        let start = try await registry.dispatcher.prime()
        let dispatcher = registry.dispatcher
        let task = Task { await dispatcher.run(from: start) }
        try await Bootstrap.ensureDefaults(registry: registry, logger: logger)
        let handler = APIRequestHandler(registry: registry, discovery: DiscoveryDocuments(resources: ResourceCatalog.all),
                                        serverAddress: { "127.0.0.1:6443" }, isReady: { true },
                                        openAPI: OpenAPIDocuments(resources: ResourceCatalog.all), logger: logger)
        return (TestAPI(registry: registry, handler: handler), task)
    }

    /// Runs `body` with a client for this API, then stops the cache dispatcher.
    static func with(_ body: @Sendable (TestAPI, any TestClientProtocol) async throws -> Void) async throws {
        let (api, task) = try await make()
        defer { task.cancel() }
        let app = Application(responder: api.handler)
        try await app.test(.router) { client in
            try await body(api, client)
        }
    }
}

struct Reply {
    var status: Int
    var body: String
    var headers: HTTPFields

    var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
}

extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, contentType: String = "application/json",
              accept: String? = nil) async throws -> Reply {
        var headers = HTTPFields()
        if body != nil { headers[.contentType] = contentType }
        if let accept { headers[.accept] = accept }
        let buffer = body.map { ByteBuffer(string: $0) }
        return try await execute(uri: path, method: method, headers: headers, body: buffer) { response in
            Reply(status: Int(response.status.code), body: String(buffer: response.body), headers: response.headers)
        }
    }
}
