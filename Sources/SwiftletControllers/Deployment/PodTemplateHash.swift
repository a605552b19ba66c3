import SwiftletAPI

/// The `pod-template-hash` label value of a Deployment's template: a 32-bit FNV-1a hash of the template
/// (with the collision count, as upstream's `ComputeHash`), written in the alphabet upstream uses for
/// generated names so it is a valid label value and never spells words.
public enum PodTemplateHash {
    static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789".utf8)

    public static func compute(template: JSONValue, collisionCount: Int32?) -> String {
        var hash: UInt32 = 2_166_136_261
        func feed(_ bytes: some Sequence<UInt8>) {
            for b in bytes {
                hash ^= UInt32(b)
                hash = hash &* 16_777_619
            }
        }
        feed(JSONSerializer.serialize(canonical(template)))
        if let collisionCount {
            // Upstream appends the count's little-endian bytes.
            withUnsafeBytes(of: UInt32(bitPattern: collisionCount).littleEndian) { feed($0) }
        }
        return safeEncode(String(hash))
    }

    /// Keys sorted at every level, so equal templates hash equally whatever order they were written in.
    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let o):
            var sorted = JSONObject()
            for key in o.keys.sorted() { sorted[key] = canonical(o[key]!) }
            return .object(sorted)
        case .array(let a):
            return .array(a.map(canonical))
        default:
            return value
        }
    }

    /// Upstream's `rand.SafeEncodeString`: each character mapped into the consonant-and-digit alphabet.
    static func safeEncode(_ s: String) -> String {
        String(decoding: s.utf8.map { alphabet[Int($0) % alphabet.count] }, as: UTF8.self)
    }
}
