import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SwiftletAPI

/// The agent's HTTP endpoint (kubelet's port 10250): `/healthz` and `/containerLogs/{namespace}/{pod}/{container}`,
/// which the API server calls for `kubectl logs`. Exec, attach and port-forward join it as further routes.
public struct AgentEndpoint: ServiceLifecycle.Service {
    let address: String
    let port: Int
    let logs: any ContainerLogSource
    let logger: Logger
    let onListening: @Sendable (Int) async -> Void

    public init(address: String = "127.0.0.1", port: Int, logs: any ContainerLogSource, logger: Logger,
                onListening: @escaping @Sendable (Int) async -> Void = { _ in }) {
        self.address = address
        self.port = port
        self.logs = logs
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let router = Router()
        router.get("/healthz") { _, _ in "ok" }
        router.get("/containerLogs/:namespace/:pod/:container") { request, context in
            try await containerLogs(request, context: context)
        }
        let app = Application(router: router, configuration: .init(address: .hostname(address, port: port), serverName: nil),
                              onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) }, logger: logger)
        try await app.runService()
    }

    private func containerLogs(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let namespace = context.parameters.get("namespace") ?? ""
        let pod = context.parameters.get("pod") ?? ""
        let container = context.parameters.get("container") ?? ""
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        let options: ContainerLogOptions
        let file: ContainerLogFile
        do {
            options = try ContainerLogOptions(query: query)
            file = try await logs.logFile(namespace: namespace, pod: pod, container: container, previous: options.previous)
        } catch {
            return Self.statusResponse(error)
        }
        let reader = ContainerLogReader(path: file.path, options: options, isRunning: file.isRunning)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain"
        let body = ResponseBody { writer in
            do {
                for try await chunk in reader.chunks() {
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
            } catch {
                logger.debug("log stream ended", metadata: ["error": "\(error)"])
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func statusResponse(_ error: APIError) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let bytes = JSONSerializer.serialize(error.status)
        return Response(status: HTTPResponse.Status(code: error.code), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
