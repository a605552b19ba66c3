import Foundation
import Hummingbird
import Logging
import NIOCore
import SwiftletAPI

/// Serves one request for a resource, an object or a subresource: decode → storage → encode.
struct ResourceHandler {
    let registry: ResourceRegistry
    let request: ResourceRequest
    let logger: Logger

    private func notFoundPage() -> APIError { APIError(.notFound, "the server could not find the requested resource") }

    func handle(_ http: Request) async throws -> Response {
        guard let resource = ResourceCatalog.resource(group: request.group, version: request.version, plural: request.plural),
              let storage = registry.storage(for: resource)
        else { throw notFoundPage() }
        if !resource.namespaced, request.namespace != nil { throw notFoundPage() }
        if let sub = request.subresource, !resource.subresources.contains(sub) { throw notFoundPage() }
        var query = QueryParameters(http)
        query.userAgent = http.headers[.userAgent]
        let accept = http.headers[.accept] ?? ""
        let format = ResponseFormat(accept: accept, query: query)
        if format == .unsupported {
            throw APIError(.notAcceptable, "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf")
        }
        var http = http
        switch http.method {
        case .get:
            if let name = request.name, request.subresource == "log", let namespace = request.namespace {
                var parameters: [String: String] = [:]
                for (key, value) in http.uri.queryParameters { parameters[String(key)] = String(value) }
                return try await PodLogHandler(registry: registry).handle(namespace: namespace, name: name, query: parameters)
            }
            if let name = request.name {
                if query.bool("watch") { return try await watch(storage, http: http, query: query, format: format, name: name) }
                return try await get(storage, name: name, query: query, format: format)
            }
            if request.namespace == nil && resource.namespaced == false && false { throw notFoundPage() }
            if query.bool("watch") { return try await watch(storage, http: http, query: query, format: format, name: nil) }
            return try await list(storage, query: query, format: format)
        case .post:
            let body = try await readBody(&http)
            if let name = request.name {
                switch request.subresource {
                case "binding": return try await SubresourceHandlers.bind(storage, registry: registry, namespace: request.namespace, name: name, body: body)
                case "eviction": return try await SubresourceHandlers.evict(storage, registry: registry, namespace: request.namespace, name: name, body: body)
                default: throw APIError.methodNotSupported(resource: resource.plural, group: resource.group, verb: "POST")
                }
            }
            if resource.kind == "Binding" {
                return try await SubresourceHandlers.bind(registry.storage(forKind: "Pod")!, registry: registry, namespace: request.namespace,
                                                          name: body.value["metadata"]?["name"]?.stringValue ?? "", body: body)
            }
            guard resource.verbs.contains("create") else { throw APIError.methodNotSupported(resource: resource.plural, group: resource.group, verb: "POST") }
            guard request.namespace != nil || !resource.namespaced else { throw notFoundPage() }
            let (object, warnings) = try checkBody(body, resource: resource, options: writeOptions(query))
            let result = try await storage.create(namespace: request.namespace, object: object, options: writeOptions(query))
            return try respondObject(result.object, storage: storage, status: .created, format: format, warnings: warnings)
        case .put:
            guard let name = request.name else { throw APIError.methodNotSupported(resource: resource.plural, group: resource.group, verb: "PUT") }
            let body = try await readBody(&http)
            if request.subresource == "scale" {
                return try await SubresourceHandlers.updateScale(storage, namespace: request.namespace, name: name, body: body.value, options: writeOptions(query))
            }
            if request.subresource == "finalize" {
                return try await SubresourceHandlers.finalizeNamespace(storage, name: name, body: body.value, options: writeOptions(query))
            }
            let (object, warnings) = try checkBody(body, resource: resource, options: writeOptions(query))
            let result = try await storage.update(namespace: request.namespace, name: name, object: object, subresource: request.subresource,
                                                  options: writeOptions(query))
            return try respondObject(result.object, storage: storage, status: result.created ? .created : .ok, format: format, warnings: warnings)
        case .patch:
            guard let name = request.name else { throw APIError.methodNotSupported(resource: resource.plural, group: resource.group, verb: "PATCH") }
            let contentType = http.headers[.contentType] ?? ""
            let body = try await readRawBody(&http)
            if request.subresource == "scale" {
                return try await SubresourceHandlers.patchScale(storage, namespace: request.namespace, name: name, patch: body,
                                                                contentType: contentType, options: writeOptions(query))
            }
            let result = try await PatchHandler(storage: storage).patch(namespace: request.namespace, name: name, patch: body, contentType: contentType,
                                                                       subresource: request.subresource, options: writeOptions(query))
            return try respondObject(result.object, storage: storage, status: result.created ? .created : .ok, format: format, warnings: result.warnings)
        case .delete:
            let options = try deleteOptions(query, body: try await readOptionalBody(&http))
            if let name = request.name {
                let result = try await storage.delete(namespace: request.namespace, name: name, options: options)
                if storage.strategy.returnsDeletedObject || !result.deleted {
                    let status: HTTPResponse.Status = (!result.deleted && options.propagationPolicy != "Orphan" && options.propagationPolicy != nil) ? .accepted : .ok
                    return try respondObject(result.object, storage: storage, status: status, format: format)
                }
                return ResponseWriting.json(ResponseWriting.success(kind: resource.plural, name: name, group: resource.group,
                                                                    uid: result.object["metadata"]?["uid"]?.stringValue))
            }
            guard resource.verbs.contains("deletecollection") else {
                throw APIError.methodNotSupported(resource: resource.plural, group: resource.group, verb: "DELETE")
            }
            let deleted = try await storage.deleteCollection(namespace: request.namespace, listOptions: try listOptions(query), options: options)
            let list: JSONValue = ["kind": .string(resource.listKind), "apiVersion": .string(resource.groupVersion),
                                   "metadata": ["resourceVersion": .string(String(registry.progress.revision))], "items": .array(deleted)]
            return ResponseWriting.json(list)
        default:
            throw APIError.methodNotSupported(resource: resource.plural, group: resource.group, verb: http.method.rawValue)
        }
    }

    // MARK: reads

    private func get(_ storage: ResourceStorage, name: String, query: QueryParameters, format: ResponseFormat) async throws -> Response {
        if request.subresource == "scale" {
            let object = try await storage.get(namespace: request.namespace, name: name, resourceVersion: query["resourceVersion"])
            return ResponseWriting.json(try SubresourceHandlers.scale(of: object.object, resource: storage.resource))
        }
        let object = try await storage.get(namespace: request.namespace, name: name, resourceVersion: query["resourceVersion"])
        if case .table(let includeObject) = format {
            return ResponseWriting.json(TableConvertor.table(for: storage.resource, objects: [object], revision: object.revision,
                                                             includeObject: includeObject))
        }
        return ResponseWriting.bytes(object.bytes + [0x0A])
    }

    private func list(_ storage: ResourceStorage, query: QueryParameters, format: ResponseFormat) async throws -> Response {
        let options = try listOptions(query)
        let page = try await storage.list(namespace: request.namespace, options: options)
        if case .table(let includeObject) = format {
            var table = TableConvertor.table(for: storage.resource, objects: page.items, revision: page.revision, includeObject: includeObject)
            if let token = page.continueToken { table.set(path: ["metadata", "continue"], to: .string(token)) }
            if let remaining = page.remaining { table.set(path: ["metadata", "remainingItemCount"], to: .int(remaining)) }
            return ResponseWriting.json(table)
        }
        // Assemble the list from each object's cached bytes instead of re-serializing.
        let r = storage.resource
        var out: [UInt8] = []
        out.reserveCapacity(page.items.reduce(256) { $0 + $1.bytes.count + 1 })
        out += Array("{\"kind\":\"\(r.listKind)\",\"apiVersion\":\"\(r.groupVersion)\",\"metadata\":{\"resourceVersion\":\"\(page.revision)\"".utf8)
        if let token = page.continueToken {
            out += Array(",\"continue\":".utf8)
            JSONSerializer.writeString(token, into: &out)
        }
        if let remaining = page.remaining { out += Array(",\"remainingItemCount\":\(remaining)".utf8) }
        out += Array("},\"items\":[".utf8)
        for (i, item) in page.items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += item.bytes
        }
        out += Array("]}\n".utf8)
        return ResponseWriting.bytes(out)
    }

    private func watch(_ storage: ResourceStorage, http: Request, query: QueryParameters, format: ResponseFormat, name: String?) async throws -> Response {
        var options = try listOptions(query)
        options.watch = true
        let started: Result<(stream: AsyncStream<WatchDelivery>, initialEvents: Int), APIError>
        do {
            started = .success(try await storage.watch(namespace: request.namespace,
                                                       name: name ?? options.fieldSelector.requiredValue(for: "metadata.name"), options: options))
        } catch {
            started = .failure(error)
        }
        let stream: AsyncStream<WatchDelivery>
        let initialEvents: Int
        switch started {
        case .success(let s):
            stream = s.stream
            initialEvents = s.initialEvents
        case .failure(let error):
            guard error.reason == .expired || error.reason == .gone else { throw error }
            // Upstream answers a watch from a compacted revision with a 200 stream holding one ERROR event.
            return ResponseWriting.bytes(JSONSerializer.serialize(["type": "ERROR", "object": error.status], newline: true))
        }
        let timeout = options.timeoutSeconds.map { Duration.seconds($0) } ?? .seconds(Int.random(in: 1800...3600))
        return WatchStreamer(stream: stream, resource: storage.resource, format: format, timeout: timeout,
                             bookmarks: options.allowWatchBookmarks, progress: registry.progress,
                             initialEventsEnd: options.sendInitialEvents == true ? initialEvents : nil).response()
    }

    // MARK: bodies and options

    private func readRawBody(_ http: inout Request) async throws -> [UInt8] {
        do {
            let buffer = try await http.collectBody(upTo: APIRequestHandler.maxBodySize)
            return Array(buffer.readableBytesView)
        } catch {
            throw APIError(.requestEntityTooLarge, "Request entity too large: limit is \(APIRequestHandler.maxBodySize)")
        }
    }

    private func readOptionalBody(_ http: inout Request) async throws -> JSONValue? {
        let bytes = try await readRawBody(&http)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return nil }
        return try BodyDecoding.decode(bytes, contentType: http.headers[.contentType]).0
    }

    struct DecodedBody {
        var value: JSONValue
        var duplicates: [String]
    }

    private func readBody(_ http: inout Request) async throws -> DecodedBody {
        let bytes = try await readRawBody(&http)
        if bytes.isEmpty { throw APIError.badRequest("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml") }
        let (value, duplicates) = try BodyDecoding.decode(bytes, contentType: http.headers[.contentType])
        return DecodedBody(value: value, duplicates: duplicates)
    }

    /// Checks the body's kind and apiVersion, and unknown or duplicate fields per `fieldValidation`.
    private func checkBody(_ body: DecodedBody, resource: APIResourceInfo, options: WriteOptions) throws -> (JSONValue, [String]) {
        guard case .object = body.value else {
            throw APIError.badRequest("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml")
        }
        let expectedKind = request.subresource == "status" || request.subresource == nil ? resource.kind : nil
        if let expectedKind {
            let kind = body.value["kind"]?.stringValue ?? ""
            let apiVersion = body.value["apiVersion"]?.stringValue ?? ""
            if !kind.isEmpty && kind != expectedKind {
                throw APIError.badRequest(kindMismatchMessage(kind: kind, apiVersion: apiVersion, resource: resource))
            }
            if !apiVersion.isEmpty && apiVersion != resource.groupVersion {
                throw APIError.badRequest("the API version in the data (\(apiVersion)) does not match the expected API version (\(resource.groupVersion))")
            }
        }
        var problems = body.duplicates.map { "duplicate field \"\($0)\"" }
        problems += FieldValidation.unknownFields(in: body.value, kind: resource.gvk).map { "unknown field \"\($0)\"" }
        if problems.isEmpty { return (body.value, []) }
        switch options.fieldValidation {
        case .strict:
            throw APIError.badRequest("strict decoding error: " + problems.joined(separator: ", "))
        case .warn:
            return (FieldValidation.pruned(body.value, kind: resource.gvk), problems)
        case .ignore:
            return (FieldValidation.pruned(body.value, kind: resource.gvk), [])
        }
    }

    private func kindMismatchMessage(kind: String, apiVersion: String, resource: APIResourceInfo) -> String {
        "the kind in the data (\(kind)) does not match the expected kind (\(resource.kind))"
    }

    func writeOptions(_ query: QueryParameters) -> WriteOptions {
        var o = WriteOptions()
        o.dryRun = query["dryRun"] == "All"
        o.fieldManager = query["fieldManager"]
        o.userAgent = query.userAgent
        o.force = query.bool("force")
        switch query["fieldValidation"] {
        case "Strict": o.fieldValidation = .strict
        case "Ignore": o.fieldValidation = .ignore
        default: o.fieldValidation = .warn
        }
        return o
    }

    func listOptions(_ query: QueryParameters) throws -> ListOptions {
        var o = ListOptions()
        if let s = query["labelSelector"], !s.isEmpty {
            do { o.labelSelector = try LabelSelector.parse(s) } catch { throw APIError.badRequest(error.message) }
        }
        if let s = query["fieldSelector"], !s.isEmpty {
            do { o.fieldSelector = try FieldSelector.parse(s) } catch { throw APIError.badRequest(error.message) }
        }
        if let s = query["limit"], !s.isEmpty {
            guard let l = Int(s) else { throw APIError.badRequest("limit: Invalid value: \"\(s)\": must be an integer") }
            o.limit = l
        }
        o.continueToken = query["continue"]
        o.resourceVersion = query["resourceVersion"]
        o.resourceVersionMatch = query["resourceVersionMatch"]
        o.allowWatchBookmarks = query.bool("allowWatchBookmarks")
        if let s = query["timeoutSeconds"], let t = Int(s) { o.timeoutSeconds = t }
        if let s = query["sendInitialEvents"] { o.sendInitialEvents = s == "true" || s == "1" }
        return o
    }

    private func deleteOptions(_ query: QueryParameters, body: JSONValue?) throws -> DeleteOptions {
        var o = DeleteOptions()
        if let body {
            o.gracePeriodSeconds = body["gracePeriodSeconds"]?.intValue
            o.propagationPolicy = body["propagationPolicy"]?.stringValue
            if body["orphanDependents"]?.boolValue == true, o.propagationPolicy == nil { o.propagationPolicy = "Orphan" }
            o.preconditionUID = body["preconditions"]?["uid"]?.stringValue
            o.preconditionResourceVersion = body["preconditions"]?["resourceVersion"]?.stringValue
            if let d = body["dryRun"]?.arrayValue, d.contains("All") { o.dryRun = true }
        }
        if let g = query["gracePeriodSeconds"], let v = Int64(g) { o.gracePeriodSeconds = v }
        if let p = query["propagationPolicy"], !p.isEmpty { o.propagationPolicy = p }
        if query["orphanDependents"] == "true", o.propagationPolicy == nil { o.propagationPolicy = "Orphan" }
        if query["dryRun"] == "All" { o.dryRun = true }
        return o
    }

    private func respondObject(_ object: JSONValue, storage: ResourceStorage, status: HTTPResponse.Status, format: ResponseFormat,
                               warnings: [String] = []) throws -> Response {
        if case .table(let includeObject) = format {
            let revision = Int64(object["metadata"]?["resourceVersion"]?.stringValue ?? "") ?? 0
            let cached = CachedObject(key: "", object: object, revision: revision)
            return ResponseWriting.json(TableConvertor.table(for: storage.resource, objects: [cached], revision: revision, includeObject: includeObject),
                                        status: status, warnings: warnings)
        }
        return ResponseWriting.json(object, status: status, warnings: warnings)
    }
}

extension APIError {
    func withMessage(_ message: String) -> APIError {
        var e = self
        e.message = message
        return e
    }
}

/// How a response body is shaped: plain objects or `meta.k8s.io/v1` Tables (as `kubectl get` asks).
enum ResponseFormat: Equatable {
    case object
    case table(includeObject: String)
    case unsupported

    init(accept: String, query: QueryParameters) {
        if accept.isEmpty { self = .object; return }
        let includeObject = query["includeObject"] ?? "Metadata"
        var sawAcceptable = false
        for part in accept.split(separator: ",") {
            let p = part.trimmingSpacesAndTabs
            if p.contains("as=Table") && p.contains("g=meta.k8s.io") && p.hasPrefix("application/json") && (p.contains("v=v1;") || p.hasSuffix("v=v1") || p.contains("v=v1,")) {
                self = .table(includeObject: includeObject)
                return
            }
            if p.hasPrefix("application/json") || p.hasPrefix("*/*") || p.hasPrefix("application/*") || p.hasPrefix("application/yaml") {
                if !p.contains("as=") { sawAcceptable = true }
            }
        }
        self = sawAcceptable ? .object : .unsupported
    }
}

extension Substring {
    var trimmingSpacesAndTabs: String {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// Decoded query parameters, last value wins.
struct QueryParameters {
    private var values: [String: String] = [:]
    var userAgent: String?

    init(_ request: Request) {
        for (k, v) in request.uri.queryParameters { values[String(k)] = String(v) }
    }

    subscript(_ key: String) -> String? { values[key] }

    func bool(_ key: String) -> Bool {
        guard let v = values[key] else { return false }
        return v == "1" || v == "true" || v == "True"
    }
}
