import SwiftletAPI

/// Cuts a watch response body into its newline-separated JSON events as bytes arrive in arbitrary chunks.
public struct WatchLineDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Appends a chunk and returns the events of the lines it completed.
    ///
    /// Throws `APIError` (internal error) for a line that is not a watch event.
    public mutating func feed<Bytes: Sequence>(_ chunk: Bytes) throws(APIError) -> [WatchEvent] where Bytes.Element == UInt8 {
        pending.append(contentsOf: chunk)
        var events: [WatchEvent] = []
        var start = 0
        while let newline = pending[start...].firstIndex(of: 0x0A) {
            let line = pending[start..<newline]
            start = newline + 1
            if let event = try Self.decode(line) { events.append(event) }
        }
        if start > 0 { pending.removeFirst(start) }
        return events
    }

    /// The event of a last line that ended without a newline, if any.
    public mutating func finish() throws(APIError) -> WatchEvent? {
        defer { pending.removeAll() }
        return try Self.decode(pending[...])
    }

    private static func decode(_ line: ArraySlice<UInt8>) throws(APIError) -> WatchEvent? {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { return nil }
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            throw APIError.internalError("malformed watch event: \(error.message)")
        }
        guard let type = value["type"]?.stringValue, let object = value["object"] else {
            throw APIError.internalError("malformed watch event: \(JSONSerializer.string(value).prefix(200))")
        }
        return WatchEvent(object: object, type: type)
    }
}
