/// Percent-encoding of URL paths and query values (RFC 3986), done by hand to keep `+`, `,` and `=` in
/// selectors unambiguous: only unreserved characters stay as they are.
public enum PercentEncoding {
    private static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func isUnreserved(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func encode(_ text: String, keeping extra: (UInt8) -> Bool) -> String {
        if text.utf8.allSatisfy({ isUnreserved($0) || extra($0) }) { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3)
        for b in text.utf8 {
            if isUnreserved(b) || extra(b) {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A query name or value.
    public static func encodeQuery(_ text: String) -> String {
        encode(text) { _ in false }
    }

    /// A path, keeping its slashes and the characters allowed in segments.
    public static func encodePath(_ text: String) -> String {
        encode(text) { b in
            b == UInt8(ascii: "/") || b == UInt8(ascii: ":") || b == UInt8(ascii: "@") || b == UInt8(ascii: "!")
                || b == UInt8(ascii: "$") || b == UInt8(ascii: "&") || b == UInt8(ascii: "'") || b == UInt8(ascii: "(")
                || b == UInt8(ascii: ")") || b == UInt8(ascii: "*") || b == UInt8(ascii: "+") || b == UInt8(ascii: ",")
                || b == UInt8(ascii: ";") || b == UInt8(ascii: "=")
        }
    }
}
