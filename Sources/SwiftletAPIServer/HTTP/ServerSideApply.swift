import SwiftletAPI

/// Server-side apply (`application/apply-patch+yaml`).
struct ServerSideApply {
    let storage: ResourceStorage

    func apply(namespace: String?, name: String, body: [UInt8], options: WriteOptions) async throws(APIError) -> WriteResult {
        throw APIError(.unsupportedMediaType, "server-side apply is not supported yet")
    }
}
