import Foundation
import Logging
import SwiftletAPI
import SwiftletClient
import SwiftletControllers
import SwiftletCRI

/// The registry credentials a pod's imagePullSecrets give, matched to images as kubelet v1.32's keyring does
/// (pkg/credentialprovider: `BasicDockerKeyring`, `secrets.MakeDockerKeyring`, `DockerConfigEntry`).
///
/// Registry keys are files under `host[:port][/path]`, with `http(s)://` and a `/v1/` or `/v2/` path prefix stripped.
/// An image matches a key when the port is the same, the host has as many dot-separated parts and each matches
/// the key's part as a glob (`*.example.com`), and the key's path is a prefix of the image's path. Keys are tried
/// in reverse lexical order, so `quay.io/team` comes before `quay.io`; when none matches, a `docker.io` image takes
/// the credentials filed under `index.docker.io` (Docker Hub's `https://index.docker.io/v1/`).
struct ImagePullCredentials: Sendable {
    /// One username/password (or identity token) as a secret gives it.
    struct Credential: Sendable, Hashable {
        var username = ""
        var password = ""
        var identityToken = ""

        /// What CRI's PullImage takes. `server_address` stays empty, as kubelet leaves it: containerd drops
        /// credentials whose `server_address` does not parse to the host it actually calls (Docker Hub's
        /// `registry-1.docker.io`, a mirror), and fails the pull when it is `host:port` without a scheme.
        var registryAuth: RegistryAuth {
            RegistryAuth(username: username, password: password, identityToken: identityToken)
        }
    }

    /// A secret the keyring could not use, and why (kubelet fails the pull on these; Swiftlet goes on without them).
    struct SkippedSecret: Sendable, Hashable, CustomStringConvertible {
        var name: String
        var reason: String
        var description: String { "secret \"\(name)\": \(reason)" }
    }

    /// Every credential that failed, in the order they were tried (kubelet's error aggregate).
    struct PullFailures: Error, CustomStringConvertible {
        var errors: [any Error]
        var description: String { "[" + errors.map { "\($0)" }.joined(separator: ", ") + "]" }
    }

    static let dockerConfigJSONType = "kubernetes.io/dockerconfigjson"
    static let dockerConfigJSONKey = ".dockerconfigjson"
    static let dockercfgType = "kubernetes.io/dockercfg"
    static let dockercfgKey = ".dockercfg"
    /// Where `https://index.docker.io/v1/` is filed: Docker Hub's credentials, for images with no registry.
    static let defaultRegistryKey = "index.docker.io"

    /// Registry keys, most specific first.
    private(set) var keys: [String] = []
    private var credentials: [String: [Credential]] = [:]
    /// Secrets that were of a pull-secret type but could not be read.
    private(set) var skipped: [SkippedSecret] = []

    /// No credentials: every image is pulled anonymously.
    init() {}

    /// The keyring of `secrets`, in order; secrets of other types are ignored, malformed ones skipped.
    init(secrets: [Secret]) {
        for secret in secrets {
            do throws(Malformed) {
                if let config = try Self.dockerConfig(of: secret) { add(config) }
            } catch {
                skipped.append(SkippedSecret(name: secret.metadata?.name ?? "", reason: error.reason))
            }
        }
    }

    /// Files each entry of one docker config under its registry key; an entry whose key is no URL is ignored.
    mutating func add(_ config: [String: Credential]) {
        for (location, credential) in config.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            guard let key = Self.registryKey(location) else { continue }
            if credentials[key] == nil { keys.append(key) }
            credentials[key, default: []].append(credential)
        }
        keys.sort { $1.utf8.lexicographicallyPrecedes($0.utf8) }
    }

    /// The credentials to try for `image`, best first; empty when it is pulled without any.
    func lookup(_ image: String) -> [Credential] {
        // Kubelet matches the repository, normalized: `busybox:1.36` is `docker.io/library/busybox`.
        let repository = (try? ImageReference(parsing: image))?.name ?? image
        let matches = keys.filter { Self.urlsMatch(glob: $0, target: repository) }.flatMap { credentials[$0] ?? [] }
        if matches.isEmpty, Self.isDefaultRegistryMatch(repository) {
            return credentials[Self.defaultRegistryKey] ?? []
        }
        return matches
    }

    /// Pulls `image` as kubelet does: without credentials when none match, else with each matching one in turn
    /// until a pull succeeds (no anonymous pull after them); throws every failure when none does.
    func pull(_ image: String, using pull: @Sendable (RegistryAuth?) async throws -> String) async throws -> String {
        let matching = lookup(image)
        guard !matching.isEmpty else { return try await pull(nil) }
        var failures: [any Error] = []
        for credential in matching {
            do {
                return try await pull(credential.registryAuth)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failures.append(error)
            }
        }
        if failures.count == 1 { throw failures[0] }
        throw PullFailures(errors: failures)
    }
}

// MARK: - reading secrets

extension ImagePullCredentials {
    /// Why a pull secret could not be read.
    struct Malformed: Error {
        var reason: String
    }

    /// The docker config a secret carries: nil when it is no pull secret (another type, or its key missing or
    /// empty), as `MakeDockerKeyring` ignores those.
    static func dockerConfig(of secret: Secret) throws(Malformed) -> [String: Credential]? {
        let type = secret.type ?? ""
        let key: String
        switch type {
        case dockerConfigJSONType: key = dockerConfigJSONKey
        case dockercfgType: key = dockercfgKey
        default: return nil
        }
        guard let encoded = secret.data?[key] else { return nil }
        guard let bytes = Data(base64Encoded: encoded) else { throw Malformed(reason: "data[\(key)] is not base64") }
        guard !bytes.isEmpty else { return nil }
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw Malformed(reason: "data[\(key)] is not JSON: \(error)")
        }
        if type == dockerConfigJSONType {
            if document.isNull { return [:] }
            guard case .object(let object) = document else { throw Malformed(reason: "\(key) is not a JSON object") }
            return try entries(field(object, "auths"), in: key + ".auths")
        }
        return try entries(document, in: key)
    }

    /// `{"registry": {"username", "password", "auth", "email", "identitytoken"}}`, as Go decodes it.
    private static func entries(_ value: JSONValue?, in place: String) throws(Malformed) -> [String: Credential] {
        guard let value, !value.isNull else { return [:] }
        guard case .object(let object) = value else { throw Malformed(reason: "\(place) is not a JSON object") }
        var result: [String: Credential] = [:]
        for (registry, entry) in object {
            result[registry] = try credential(entry, in: "\(place)[\(registry)]")
        }
        return result
    }

    private static func credential(_ value: JSONValue, in place: String) throws(Malformed) -> Credential {
        if value.isNull { return Credential() }
        guard case .object(let object) = value else { throw Malformed(reason: "\(place) is not a JSON object") }
        func string(_ name: String) throws(Malformed) -> String {
            switch field(object, name) {
            case nil, .null?: return ""
            case .string(let text)?: return text
            case let other?: throw Malformed(reason: "\(place).\(name) is a \(other.typeName), not a string")
            }
        }
        var credential = Credential(username: try string("username"), password: try string("password"),
                                    identityToken: try string("identitytoken"))
        let auth = try string("auth")
        if !auth.isEmpty {
            // As upstream's DockerConfigEntry: `auth`, when given, is what the username and password are.
            guard let decoded = decodeAuthField(auth) else {
                throw Malformed(reason: "\(place).auth must be formatted as base64(username:password)")
            }
            credential.username = decoded.username
            credential.password = decoded.password
        }
        return credential
    }

    /// A member by name, exactly or else ignoring case (Go's encoding/json matches struct fields both ways).
    private static func field(_ object: JSONObject, _ name: String) -> JSONValue? {
        if let exact = object[name] { return exact }
        return object.first { $0.key.lowercased() == name }?.value
    }

    /// `base64(username:password)`, padded or not (upstream's `decodeDockerConfigFieldAuth`).
    static func decodeAuthField(_ field: String) -> (username: String, password: String)? {
        var text = field.filter { $0 != "\r" && $0 != "\n" }
        if !field.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("=") {
            guard !text.contains("="), text.utf8.count % 4 != 1 else { return nil }
            text += String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)
        }
        guard let bytes = Data(base64Encoded: text), let decoded = String(data: bytes, encoding: .utf8),
              let colon = decoded.firstIndex(of: ":")
        else { return nil }
        return (String(decoded[..<colon]), String(decoded[decoded.index(after: colon)...]))
    }
}

// MARK: - matching

extension ImagePullCredentials {
    /// `host[:port]` and `/path` of a URL (Go's `url.Parse` for what registry keys and image names hold).
    struct RegistryURL: Equatable {
        var host: String
        var path: String

        /// Parses `text`, which starts with `http://` or `https://`; nil when its port is not a number.
        init?(_ text: String) {
            var rest = Substring(text)
            if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
            if let end = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            var authority = rest[..<slash]
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            let port = Self.split(String(authority)).port
            guard port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber) else { return nil }
            host = String(authority)
            path = String(rest[slash...])
        }

        /// The host's dot-separated parts and the port (`""` when none), as Go's `net.SplitHostPort`.
        var parts: (labels: [Substring], port: String) {
            let (name, port) = Self.split(host)
            return (name.split(separator: ".", omittingEmptySubsequences: false), port)
        }

        private static func split(_ authority: String) -> (host: String, port: String) {
            if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
                let after = authority[authority.index(after: close)...]
                guard after.hasPrefix(":") else { return (authority, "") }
                return (String(authority[authority.index(after: authority.startIndex)..<close]), String(after.dropFirst()))
            }
            let colons = authority.filter { $0 == ":" }.count
            guard colons == 1, let colon = authority.firstIndex(of: ":") else { return (authority, "") }
            return (String(authority[..<colon]), String(authority[authority.index(after: colon)...]))
        }
    }

    /// The key a docker config location is filed under (`BasicDockerKeyring.Add`): no scheme, no `/v1/` or `/v2/`.
    static func registryKey(_ location: String) -> String? {
        let value = location.hasPrefix("https://") || location.hasPrefix("http://") ? location : "https://" + location
        guard let url = RegistryURL(value) else { return nil }
        var path = Substring(url.path)
        if path.hasPrefix("/v2/") || path.hasPrefix("/v1/") { path = path.dropFirst(3) }
        return path.isEmpty || path == "/" ? url.host : url.host + path
    }

    /// Whether `target` (an image repository) falls under the registry key `glob` (upstream's `URLsMatch`).
    static func urlsMatch(glob: String, target: String) -> Bool {
        guard let globURL = RegistryURL("https://" + glob), let targetURL = RegistryURL("https://" + target) else {
            return false
        }
        let (globLabels, globPort) = globURL.parts
        let (targetLabels, targetPort) = targetURL.parts
        guard globPort == targetPort, globLabels.count == targetLabels.count, targetURL.path.hasPrefix(globURL.path) else {
            return false
        }
        return zip(globLabels, targetLabels).allSatisfy { globMatches(Array($0.unicodeScalars), Array($1.unicodeScalars)) }
    }

    /// Whether an image with no registry of its own (or `docker.io/…`) comes from Docker Hub.
    static func isDefaultRegistryMatch(_ image: String) -> Bool {
        let parts = image.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, !first.isEmpty else { return false }
        if parts.count == 1 || first == "docker.io" || first == "index.docker.io" { return true }
        return !first.contains(".") && !first.contains(":")
    }

    /// Go's `filepath.Match` on one host label: `*`, `?`, `[a-z]`, `[^…]` and `\` escapes; a bad pattern never matches.
    static func globMatches(_ pattern: [Unicode.Scalar], _ name: [Unicode.Scalar]) -> Bool {
        var p = 0
        var n = 0
        while p < pattern.count {
            switch pattern[p] {
            case "*":
                while p < pattern.count, pattern[p] == "*" { p += 1 }
                if p == pattern.count { return true }
                let rest = Array(pattern[p...])
                return (n...name.count).contains { globMatches(rest, Array(name[$0...])) }
            case "?":
                guard n < name.count else { return false }
            case "[":
                guard n < name.count, let (matched, end) = matchClass(pattern, from: p + 1, name[n]), matched else { return false }
                p = end
                n += 1
                continue
            case "\\":
                p += 1
                guard p < pattern.count, n < name.count, pattern[p] == name[n] else { return false }
            default:
                guard n < name.count, pattern[p] == name[n] else { return false }
            }
            p += 1
            n += 1
        }
        return n == name.count
    }

    /// Matches `character` against the class starting after `[`; returns whether it matched and the index after
    /// `]`, or nil for a malformed class.
    private static func matchClass(_ pattern: [Unicode.Scalar], from start: Int, _ character: Unicode.Scalar) -> (Bool, Int)? {
        var p = start
        var negated = false
        if p < pattern.count, pattern[p] == "^" {
            negated = true
            p += 1
        }
        var matched = false
        var first = true
        while true {
            guard p < pattern.count else { return nil }
            if pattern[p] == "]", !first { return (matched != negated, p + 1) }
            first = false
            func literal() -> Unicode.Scalar? {
                guard p < pattern.count, pattern[p] != "-", pattern[p] != "]" else { return nil }
                if pattern[p] == "\\" { p += 1 }
                guard p < pattern.count else { return nil }
                defer { p += 1 }
                return pattern[p]
            }
            guard let low = literal() else { return nil }
            var high = low
            if p < pattern.count, pattern[p] == "-" {
                p += 1
                guard let upper = literal() else { return nil }
                high = upper
            }
            if low.value <= character.value, character.value <= high.value { matched = true }
        }
    }
}

// MARK: - the pod's secrets

extension ImagePullCredentials {
    /// The keyring of `pod`'s imagePullSecrets, read from its namespace as kubelet's `getPullSecretsForPod` does:
    /// a secret it cannot read is left out with a warning event, and the pull goes on without it.
    static func of(_ pod: Pod, transport: any APITransport, events: EventRecorder, logger: Logger) async -> ImagePullCredentials {
        let names = (pod.spec?.imagePullSecrets ?? []).compactMap(\.name).filter { !$0.isEmpty }
        guard !names.isEmpty else { return ImagePullCredentials() }
        let namespace = pod.metadata?.namespace ?? "default"
        let client = ResourceClient<Secret>(transport: transport)
        var secrets: [Secret] = []
        var failed: [String] = []
        for name in names {
            do {
                secrets.append(try await client.get(name, namespace: namespace))
            } catch {
                logger.info("Unable to retrieve pull secret, the image pull may not succeed.",
                            metadata: ["secret": "\(namespace)/\(name)", "error": "\(error)"])
                failed.append(name)
            }
        }
        if !failed.isEmpty {
            events.record(pod, type: "Warning", reason: "FailedToRetrieveImagePullSecret", message:
                "Unable to retrieve some image pull secrets (\(failed.joined(separator: ", "))); attempting to pull the image may not succeed.")
        }
        let credentials = ImagePullCredentials(secrets: secrets)
        for skipped in credentials.skipped {
            logger.warning("ignoring a malformed image pull secret", metadata: ["secret": "\(namespace)/\(skipped.name)", "reason": "\(skipped.reason)"])
        }
        return credentials
    }
}
