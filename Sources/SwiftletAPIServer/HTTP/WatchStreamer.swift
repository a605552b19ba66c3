import Hummingbird
import NIOCore
import SwiftletAPI

/// Streams watch events as newline-separated JSON (`{"type":"ADDED","object":{…}}`), with bookmarks and a timeout.
struct WatchStreamer: Sendable {
    let stream: AsyncStream<WatchDelivery>
    let resource: APIResourceInfo
    let format: ResponseFormat
    let timeout: Duration
    let bookmarks: Bool
    let progress: RevisionProgress
    /// With `sendInitialEvents`, how many initial events precede the bookmark that marks their end.
    let initialEventsEnd: Int?

    private enum Output: Sendable {
        case event(WatchDelivery)
        case bookmark
        case initialEventsEnd
        case end
    }

    func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-cache, private"
        headers[.transferEncoding] = "chunked"
        let body = ResponseBody { writer in
            let (merged, continuation) = AsyncStream.makeStream(of: Output.self)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    var delivered = 0
                    if initialEventsEnd == 0 { continuation.yield(.initialEventsEnd) }
                    for await delivery in stream {
                        continuation.yield(.event(delivery))
                        delivered += 1
                        if delivered == initialEventsEnd { continuation.yield(.initialEventsEnd) }
                    }
                    continuation.yield(.end)
                }
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    continuation.yield(.end)
                }
                if bookmarks {
                    group.addTask {
                        while !Task.isCancelled {
                            try? await Task.sleep(for: .seconds(60))
                            continuation.yield(.bookmark)
                        }
                    }
                }
                for await output in merged {
                    let line: [UInt8]
                    switch output {
                    case .event(let delivery): line = encode(delivery)
                    case .bookmark: line = bookmarkLine()
                    case .initialEventsEnd: line = bookmarkLine(initialEventsEnd: true)
                    case .end: line = []
                    }
                    if line.isEmpty { break }
                    var buffer = ByteBufferAllocator().buffer(capacity: line.count)
                    buffer.writeBytes(line)
                    do { try await writer.write(buffer) } catch { break }
                }
                continuation.finish()
                group.cancelAll()
            }
            try? await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    private func bookmarkLine(initialEventsEnd: Bool = false) -> [UInt8] {
        var metadata: JSONObject = ["resourceVersion": .string(String(progress.revision)), "creationTimestamp": .null]
        if initialEventsEnd { metadata["annotations"] = ["k8s.io/initial-events-end": "true"] }
        let object: JSONValue = ["kind": .string(resource.kind), "apiVersion": .string(resource.groupVersion), "metadata": .object(metadata)]
        return JSONSerializer.serialize(["type": "BOOKMARK", "object": object], newline: true)
    }

    private func encode(_ delivery: WatchDelivery) -> [UInt8] {
        var out: [UInt8] = []
        switch format {
        case .table(let includeObject):
            let table = TableConvertor.table(for: resource, objects: [delivery.object], revision: delivery.object.revision,
                                             includeObject: includeObject)
            out = JSONSerializer.serialize(["type": .string(delivery.type), "object": table], newline: true)
        default:
            out.reserveCapacity(delivery.object.bytes.count + 32)
            out += Array("{\"type\":\"\(delivery.type)\",\"object\":".utf8)
            out += delivery.object.bytes
            out += Array("}\n".utf8)
        }
        return out
    }
}
