/// An image reference normalized as containerd and kubelet do (distribution/reference's `ParseNormalizedNamed`
/// followed by `TagNameOnly`): `busybox:1.36` is `docker.io/library/busybox:1.36`, `nginx` is
/// `docker.io/library/nginx:latest`, `localhost:5000/app` is `localhost:5000/app:latest`.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// The registry host (and port): `docker.io`, `localhost:5000`, `swiftlet.local`.
    public var domain: String
    /// The repository path inside the registry: `library/busybox`.
    public var path: String
    /// The tag; nil only when a digest pins the image.
    public var tag: String?
    /// `sha256:…` when the reference carries a digest.
    public var digest: String?

    public static let defaultDomain = "docker.io"

    /// Parses and normalizes `text`; throws `invalid` with upstream's wording for what it rejects.
    public init(parsing text: String) throws {
        func invalid(_ why: String) -> ContainerRuntimeError {
            ContainerRuntimeError(.invalid, operation: "parse image reference", message: "\"\(text)\": \(why)")
        }
        guard !text.isEmpty else { throw invalid("repository name must have at least one component") }
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            let digest = String(rest[rest.index(after: at)...])
            let parts = digest.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].count >= 32,
                parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase })
            else { throw invalid("invalid digest format") }
            self.digest = digest
            rest = rest[..<at]
        } else {
            self.digest = nil
        }
        let lastSlash = rest.lastIndex(of: "/")
        let nameEnd = rest[(lastSlash ?? rest.startIndex)...].firstIndex(of: ":")
        if let colon = nameEnd {
            let tag = String(rest[rest.index(after: colon)...])
            guard Self.isValidTag(tag) else { throw invalid("invalid reference format") }
            self.tag = tag
            rest = rest[..<colon]
        } else {
            self.tag = self.digest == nil ? "latest" : nil
        }
        var domain = Self.defaultDomain
        var path = String(rest)
        if let slash = rest.firstIndex(of: "/") {
            let first = rest[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" || first.contains(where: \.isUppercase) {
                domain = String(first)
                path = String(rest[rest.index(after: slash)...])
            }
        }
        if domain == "index.docker.io" { domain = Self.defaultDomain }
        if domain == Self.defaultDomain && !path.contains("/") { path = "library/" + path }
        guard path == path.lowercased() else { throw invalid("repository name must be lowercase") }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard components.allSatisfy(Self.isValidComponent) else { throw invalid("invalid reference format") }
        self.domain = domain
        self.path = path
    }

    /// `docker.io/library/busybox` — the repository without tag or digest.
    public var name: String { "\(domain)/\(path)" }

    /// The normalized reference: `name:tag`, `name@digest` or `name:tag@digest`.
    public var description: String {
        var text = name
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    /// Normalizes `text` (see the type's description).
    public static func normalize(_ text: String) throws -> String {
        try ImageReference(parsing: text).description
    }

    private static func isValidTag(_ tag: String) -> Bool {
        guard let first = tag.first, tag.count <= 128, first.isASCII, first.isLetter || first.isNumber || first == "_" else {
            return false
        }
        return tag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
    }

    /// `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*`
    private static func isValidComponent(_ component: Substring) -> Bool {
        guard let first = component.first, let last = component.last, isAlphanumeric(first), isAlphanumeric(last) else {
            return false
        }
        var separator = ""
        for character in component {
            if isAlphanumeric(character) {
                guard separator.isEmpty || separator == "." || separator == "_" || separator == "__"
                    || separator.allSatisfy({ $0 == "-" })
                else { return false }
                separator = ""
            } else if "._-".contains(character) {
                separator.append(character)
            } else {
                return false
            }
        }
        return true
    }

    private static func isAlphanumeric(_ character: Character) -> Bool {
        character.isASCII && (character.isNumber || (character.isLetter && character.isLowercase))
    }
}
