import Collections

/// A JSON pointer (RFC 6901) such as `/metadata/labels/app.kubernetes.io~1name`.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The unescaped reference tokens; empty for the whole document.
    public var tokens: [String]

    public init(tokens: [String]) {
        self.tokens = tokens
    }

    /// Parses a pointer; `nil` unless it is empty or starts with `/`.
    public init?(_ string: String) {
        if string.isEmpty {
            tokens = []
            return
        }
        guard string.hasPrefix("/") else { return nil }
        tokens = string.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            Self.unescape(String($0))
        }
    }

    public var description: String {
        tokens.map { "/" + Self.escape($0) }.joined()
    }

    /// `~` → `~0`, `/` → `~1`.
    public static func escape(_ token: String) -> String {
        guard token.contains("~") || token.contains("/") else { return token }
        return token.replacingAll("~", with: "~0").replacingAll("/", with: "~1")
    }

    /// `~1` → `/`, `~0` → `~`, scanning left to right so that `~01` becomes `~1`.
    public static func unescape(_ token: String) -> String {
        guard token.contains("~") else { return token }
        let characters = Array(token)
        var result = ""
        var index = 0
        while index < characters.count {
            let c = characters[index]
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            if c == "~" && next == "1" {
                result.append("/")
                index += 2
            } else if c == "~" && next == "0" {
                result.append("~")
                index += 2
            } else {
                result.append(c)
                index += 1
            }
        }
        return result
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        result.reserveCapacity(count)
        for c in self {
            if c == target { result += replacement } else { result.append(c) }
        }
        return result
    }
}
