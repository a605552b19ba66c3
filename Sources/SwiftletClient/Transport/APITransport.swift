import SwiftletAPI

/// How a client reaches the API server: over HTTP, or in-process through the server's own request handler.
///
/// Both carry the same requests and get the same answers (validation, admission, resourceVersion), so
/// controllers, the scheduler and the agent run unchanged inside or outside `swiftlet server`.
public protocol APITransport: Sendable {
    /// Sends one request and returns its 2xx response.
    ///
    /// Throws `APIError` decoded from the server's `Status` for any other code, and an internal `APIError`
    /// when the server cannot be reached. Cancelling the task abandons the request.
    func send(_ request: APIRequest) async throws -> APIResponse

    /// Starts a watch (`request` must carry `watch=true`) and returns its events as they arrive.
    ///
    /// A failed start throws like `send`. The stream ends when the server closes the watch (its timeout)
    /// and fails when the connection breaks; an expired resourceVersion arrives as an `ERROR` event, as the
    /// server sends it. Dropping or cancelling the stream's consumer closes the watch.
    func watch(_ request: APIRequest) async throws -> AsyncThrowingStream<WatchEvent, any Error>
}
