import Foundation
import Hummingbird
import NIOCore
import SwiftletAPI
import SwiftletClient

/// `GET /api/v1/namespaces/{ns}/pods/{name}/log`: picks the container as upstream does, then passes the request
/// on to the agent of the pod's node (`/containerLogs/…` on its daemon endpoint port) and streams the answer back.
struct PodLogHandler {
    let registry: ResourceRegistry

    func handle(namespace: String, name: String, query: [String: String]) async throws -> Response {
        guard let pods = registry.storage(forKind: "Pod"), let nodes = registry.storage(forKind: "Node") else {
            throw APIError.internalError("pods are not served")
        }
        let pod = try await pods.get(namespace: namespace, name: name).object
        let options = try ContainerLogQuery(query)
        let container = try Self.container(of: pod, asked: query["container"] ?? "")
        let nodeName = pod["spec"]?["nodeName"]?.stringValue ?? ""
        if nodeName.isEmpty || Self.isWaiting(pod, container: container, previous: options.previous) != nil {
            let reason = Self.isWaiting(pod, container: container, previous: options.previous) ?? "ContainerCreating"
            throw APIError.badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: \(reason)")
        }
        let node = try await nodes.get(namespace: nil, name: nodeName).object
        let addresses = node["status"]?["addresses"]?.arrayValue ?? []
        guard let host = (addresses.first { $0["type"] == "InternalIP" } ?? addresses.first)?["address"]?.stringValue,
              let port = node["status"]?["daemonEndpoints"]?["kubeletEndpoint"]?["Port"]?.intValue, port > 0 else {
            throw APIError.internalError("node \(nodeName) has no agent endpoint for logs")
        }
        let target = "/containerLogs/\(PercentEncoding.encodePath(namespace))/\(PercentEncoding.encodePath(name))/"
            + "\(PercentEncoding.encodePath(container))" + options.queryString
        let response: StreamingHTTPGet.Response
        do {
            response = try await StreamingHTTPGet(host: host, port: Int(port), target: target).send()
        } catch {
            throw APIError.internalError("Get \"http://\(host):\(port)\(target)\": \(error)")
        }
        var headers = HTTPFields()
        headers[.contentType] = response.contentType ?? "text/plain"
        headers[.transferEncoding] = "chunked"
        let body = ResponseBody { writer in
            do {
                for try await chunk in response.body { try await writer.write(ByteBuffer(bytes: chunk)) }
            } catch {}
            try await writer.finish(nil)
        }
        return Response(status: HTTPResponse.Status(code: response.status), headers: headers, body: body)
    }

    /// The container a log request means: the one named, or the only one (upstream's wording otherwise).
    static func container(of pod: JSONValue, asked: String) throws(APIError) -> String {
        let name = pod["metadata"]?["name"]?.stringValue ?? ""
        let containers = (pod["spec"]?["containers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let inits = (pod["spec"]?["initContainers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let ephemeral = (pod["spec"]?["ephemeralContainers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        if asked.isEmpty {
            if containers.count == 1 { return containers[0] }
            var message = "a container name must be specified for pod \(name), choose one of: [\(containers.joined(separator: " "))]"
            if !inits.isEmpty { message += " or one of the init containers: [\(inits.joined(separator: " "))]" }
            throw APIError.badRequest(message)
        }
        guard (containers + inits + ephemeral).contains(asked) else {
            throw APIError.badRequest("container \(asked) is not valid for pod \(name)")
        }
        return asked
    }

    /// The waiting reason when the container has not run yet (nothing to show), as kubelet's validateContainerLogStatus.
    static func isWaiting(_ pod: JSONValue, container: String, previous: Bool) -> String? {
        let statuses = (pod["status"]?["containerStatuses"]?.arrayValue ?? []) + (pod["status"]?["initContainerStatuses"]?.arrayValue ?? [])
        guard let status = statuses.first(where: { $0["name"]?.stringValue == container }) else { return "ContainerCreating" }
        if previous { return nil }
        if let waiting = status["state"]?["waiting"], status["lastState"]?["terminated"] == nil {
            return waiting["reason"]?.stringValue ?? "ContainerCreating"
        }
        return nil
    }
}

/// The log options of a request, checked, and as the query passed on to the agent.
struct ContainerLogQuery {
    var previous: Bool
    var queryString: String

    init(_ query: [String: String]) throws(APIError) {
        var items: [String] = []
        for key in ["follow", "previous", "timestamps", "tailLines", "limitBytes", "sinceSeconds", "sinceTime"] {
            guard let value = query[key] else { continue }
            if ["tailLines", "limitBytes", "sinceSeconds"].contains(key), Int(value) == nil {
                throw APIError.badRequest("invalid value for \(key): \(value)")
            }
            items.append("\(key)=\(PercentEncoding.encodeQuery(value))")
        }
        previous = ["true", "1"].contains(query["previous"] ?? "")
        queryString = items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }
}
