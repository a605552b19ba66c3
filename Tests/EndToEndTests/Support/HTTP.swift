import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Small raw-HTTP helpers for what kubectl does not reach.
enum HTTP {
    static func request(_ method: String, _ url: URL, body: String? = nil, contentType: String = "application/json",
                        accept: String? = nil) async throws -> (String, Int) {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return (String(decoding: data, as: UTF8.self), (response as? HTTPURLResponse)?.statusCode ?? 0)
    }

    static func get(_ url: URL, accept: String? = nil) async throws -> (String, Int) {
        try await request("GET", url, accept: accept)
    }

    static func json(_ text: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(text)")
        }
        return object
    }
}
