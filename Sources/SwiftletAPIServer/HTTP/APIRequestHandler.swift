import Foundation
import Hummingbird
import Logging
import NIOCore
import SwiftletAPI

/// Answers every HTTP request of the API: parses the path once, then hands the request to discovery,
/// health, OpenAPI or the storage of the addressed resource.
public struct APIRequestHandler: HTTPResponder {
    public typealias Context = BasicRequestContext

    let registry: ResourceRegistry
    let discovery: DiscoveryDocuments
    let serverAddress: @Sendable () -> String
    let isReady: @Sendable () -> Bool
    let openAPI: OpenAPIDocuments
    let logger: Logger
    static let maxBodySize = 3 * 1024 * 1024

    public func respond(to request: Request, context: Context) async throws -> Response {
        await respond(to: request)
    }

    /// Answers one request; nothing here needs the connection's context, so in-process clients
    /// (`InProcessTransport`) call this directly.
    func respond(to request: Request) async -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await route(request)
        } catch let error as APIError {
            response = ResponseWriting.error(error)
        } catch {
            response = ResponseWriting.error(.internalError("\(error)"))
        }
        APIMetrics.record(method: request.method.rawValue, code: Int(response.status.code), since: start)
        return response
    }

    private func route(_ request: Request) async throws -> Response {
        let accept = request.headers[.accept] ?? ""
        switch RequestTarget.parse(path: request.uri.path) {
        case .version:
            return ResponseWriting.json(VersionInfo.current)
        case .health(let which):
            if which == "readyz" && !isReady() { return ResponseWriting.text("[-]informer-sync failed: not ready\nreadyz check failed\n", status: .internalServerError) }
            return ResponseWriting.text("ok")
        case .metrics:
            return ResponseWriting.text(await APIMetrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        case .apiVersions:
            if wantsAggregated(accept) {
                return ResponseWriting.json(discovery.aggregated(core: true, apiVersion: aggregatedVersion(accept)),
                                            contentType: aggregatedContentType(accept))
            }
            return ResponseWriting.json(discovery.apiVersions(serverAddress: serverAddress()))
        case .groupList:
            if wantsAggregated(accept) {
                return ResponseWriting.json(discovery.aggregated(core: false, apiVersion: aggregatedVersion(accept)),
                                            contentType: aggregatedContentType(accept))
            }
            return ResponseWriting.json(discovery.groupList)
        case .group(let name):
            guard let g = discovery.group(name) else { throw pageNotFound() }
            return ResponseWriting.json(g)
        case .resourceList(let group, let version):
            guard let list = discovery.resourceList(group: group, version: version) else { throw pageNotFound() }
            return ResponseWriting.json(list)
        case .openAPIV3Root:
            return ResponseWriting.json(openAPI.root)
        case .openAPIV3(let group, let version):
            guard let doc = openAPI.document(group: group, version: version) else { throw pageNotFound() }
            return ResponseWriting.json(doc)
        case .openAPIV2:
            throw APIError(.notAcceptable, "only application/com.github.proto-openapi.spec.v2@v1.0+protobuf is served here, and not yet")
        case .resource(let r):
            return try await ResourceHandler(registry: registry, request: r, logger: logger).handle(request)
        case .notFound:
            throw pageNotFound()
        }
    }

    private func pageNotFound() -> APIError {
        APIError(.notFound, "the server could not find the requested resource")
    }

    private func wantsAggregated(_ accept: String) -> Bool {
        accept.contains("as=APIGroupDiscoveryList")
    }

    private func aggregatedVersion(_ accept: String) -> String {
        accept.contains("v=v2;") || accept.contains("v=v2,") || accept.hasSuffix("v=v2") || !accept.contains("v2beta1")
            ? "apidiscovery.k8s.io/v2" : "apidiscovery.k8s.io/v2beta1"
    }

    private func aggregatedContentType(_ accept: String) -> String {
        aggregatedVersion(accept) == "apidiscovery.k8s.io/v2" ? DiscoveryDocuments.aggregatedMediaType : DiscoveryDocuments.aggregatedMediaTypeV2Beta1
    }
}

/// `/version`: every field upstream returns, with Swiftlet's own build values.
public enum VersionInfo {
    public static let gitVersion = SwiftletVersion.gitVersion
    public static var current: JSONValue {
        #if arch(x86_64)
        let arch = "amd64"
        #else
        let arch = "arm64"
        #endif
        return ["major": "1", "minor": "32", "gitVersion": .string(gitVersion), "gitCommit": "swiftlet",
                "gitTreeState": "clean", "buildDate": "2026-11-29T00:00:00Z", "goVersion": "swift6.3",
                "compiler": "swiftc", "platform": .string("linux/\(arch)")]
    }
}
