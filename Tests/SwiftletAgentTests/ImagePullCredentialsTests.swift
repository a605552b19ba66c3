import Foundation
import Logging
import SwiftletAPI
@testable import SwiftletAPIServer
@testable import SwiftletAgent
import SwiftletClient
import SwiftletControllers
import SwiftletCRI
import SwiftletStore
import Synchronization
import Testing

@Suite struct ImagePullCredentialsTests {
    typealias Credential = ImagePullCredentials.Credential

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    static func secret(_ name: String, type: String = ImagePullCredentials.dockerConfigJSONType, key: String? = nil, _ json: String) -> Secret {
        let key = key ?? (type == ImagePullCredentials.dockercfgType ? ImagePullCredentials.dockercfgKey : ImagePullCredentials.dockerConfigJSONKey)
        return Secret(metadata: ObjectMeta(name: name, namespace: "default"), data: [key: base64(json)], type: type)
    }

    /// A `.dockerconfigjson` secret with one username/password per registry key.
    static func keyring(_ entries: [(String, String)]) -> ImagePullCredentials {
        let auths = entries.map { "\"\($0.0)\": {\"username\": \"\($0.1)\", \"password\": \"pw-\($0.1)\"}" }
        return ImagePullCredentials(secrets: [secret("creds", "{\"auths\": {\(auths.joined(separator: ", "))}}")])
    }

    static func users(_ keyring: ImagePullCredentials, _ image: String) -> [String] {
        keyring.lookup(image).map(\.username)
    }

    // MARK: parsing

    @Test func readsADockerConfigJSONSecret() {
        let keyring = ImagePullCredentials(secrets: [Self.secret("creds", """
            {"auths": {"registry.example.com": {"username": "alice", "password": "s3cret", "email": "a@example.com"}}}
            """)])
        #expect(keyring.skipped.isEmpty)
        #expect(keyring.keys == ["registry.example.com"])
        #expect(keyring.lookup("registry.example.com/team/app:1.0") == [Credential(username: "alice", password: "s3cret")])
        #expect(keyring.lookup("other.example.com/team/app:1.0").isEmpty)
    }

    @Test func readsALegacyDockercfgSecret() {
        let keyring = ImagePullCredentials(secrets: [Self.secret("legacy", type: ImagePullCredentials.dockercfgType, """
            {"https://index.docker.io/v1/": {"auth": "\(Self.base64("bob:hunter2"))", "email": "b@example.com"}}
            """)])
        #expect(keyring.skipped.isEmpty)
        #expect(keyring.keys == ["index.docker.io"])
        #expect(keyring.lookup("busybox:1.36") == [Credential(username: "bob", password: "hunter2")])
    }

    @Test func authFieldGivesUsernameAndPassword() {
        let keyring = ImagePullCredentials(secrets: [Self.secret("creds", """
            {"auths": {
              "padded.example.com": {"auth": "\(Self.base64("carol:pass:with:colons"))"},
              "unpadded.example.com": {"auth": "\(Self.base64("dave:x").replacingOccurrences(of: "=", with: ""))"},
              "both.example.com": {"username": "ignored", "password": "ignored", "auth": "\(Self.base64("erin:real"))"},
              "token.example.com": {"username": "frank", "identitytoken": "refresh-token"}
            }}
            """)])
        #expect(keyring.skipped.isEmpty)
        #expect(keyring.lookup("padded.example.com/a") == [Credential(username: "carol", password: "pass:with:colons")])
        #expect(keyring.lookup("unpadded.example.com/a") == [Credential(username: "dave", password: "x")])
        // As upstream's DockerConfigEntry: a non-empty `auth` is what the username and password are.
        #expect(keyring.lookup("both.example.com/a") == [Credential(username: "erin", password: "real")])
        #expect(keyring.lookup("token.example.com/a") == [Credential(username: "frank", identityToken: "refresh-token")])
    }

    @Test(arguments: [
        ("YWxpY2U6cHc=", "alice", "pw"),
        ("YWxpY2U6cHc", "alice", "pw"),
        ("dTo=", "u", ""),
        ("OnB3", "", "pw"),
        ("YWxp\nY2U6cHc=", "alice", "pw"),
    ])
    func decodesTheAuthField(field: String, username: String, password: String) throws {
        let decoded = try #require(ImagePullCredentials.decodeAuthField(field))
        #expect(decoded.username == username)
        #expect(decoded.password == password)
    }

    @Test(arguments: ["bm9jb2xvbg==", "bm9jb2xvbg", "!!!!", "YWxpY2U6c=Hc", "YWxpY2U6cHc=x", "Y"])
    func rejectsAMalformedAuthField(field: String) {
        #expect(ImagePullCredentials.decodeAuthField(field) == nil)
    }

    @Test func ignoresSecretsOfOtherTypesOrWithoutTheirKey() {
        let json = "{\"auths\": {\"registry.example.com\": {\"username\": \"u\", \"password\": \"p\"}}}"
        let keyring = ImagePullCredentials(secrets: [
            Self.secret("opaque", type: "Opaque", key: ImagePullCredentials.dockerConfigJSONKey, json),
            // The .dockercfg key on a dockerconfigjson secret: each type reads only its own key.
            Self.secret("mixed", type: ImagePullCredentials.dockerConfigJSONType, key: ImagePullCredentials.dockercfgKey, json),
            Secret(metadata: ObjectMeta(name: "empty"), data: [ImagePullCredentials.dockerConfigJSONKey: ""],
                   type: ImagePullCredentials.dockerConfigJSONType),
            Secret(metadata: ObjectMeta(name: "nodata"), type: ImagePullCredentials.dockerConfigJSONType),
        ])
        #expect(keyring.keys.isEmpty)
        #expect(keyring.skipped.isEmpty)
        #expect(keyring.lookup("registry.example.com/app").isEmpty)
    }

    @Test func skipsMalformedSecretsAndKeepsTheOthers() {
        let good = Self.secret("good", "{\"auths\": {\"registry.example.com\": {\"username\": \"u\", \"password\": \"p\"}}}")
        let notBase64 = Secret(metadata: ObjectMeta(name: "not-base64"), data: [ImagePullCredentials.dockerConfigJSONKey: "%%%"],
                               type: ImagePullCredentials.dockerConfigJSONType)
        let keyring = ImagePullCredentials(secrets: [
            Self.secret("not-json", "{\"auths\": "),
            notBase64,
            Self.secret("array", "[1, 2]"),
            Self.secret("auths-string", "{\"auths\": \"registry.example.com\"}"),
            Self.secret("entry-string", "{\"auths\": {\"registry.example.com\": \"u:p\"}}"),
            Self.secret("username-number", "{\"auths\": {\"registry.example.com\": {\"username\": 7}}}"),
            Self.secret("bad-auth", "{\"auths\": {\"registry.example.com\": {\"auth\": \"\(Self.base64("nocolon"))\"}}}"),
            Self.secret("cfg-array", type: ImagePullCredentials.dockercfgType, "[]"),
            good,
        ])
        #expect(keyring.skipped.map(\.name) == [
            "not-json", "not-base64", "array", "auths-string", "entry-string", "username-number", "bad-auth", "cfg-array",
        ])
        #expect(keyring.skipped.first { $0.name == "bad-auth" }?.reason.contains("base64(username:password)") == true)
        #expect(keyring.lookup("registry.example.com/app") == [Credential(username: "u", password: "p")])
    }

    @Test func emptyOrNullConfigsGiveNoCredentials() {
        let keyring = ImagePullCredentials(secrets: [
            Self.secret("no-auths", "{}"),
            Self.secret("null-auths", "{\"auths\": null}"),
            Self.secret("null-entry", "{\"auths\": {\"registry.example.com\": null}}"),
        ])
        #expect(keyring.skipped.isEmpty)
        // A null entry is an entry with no username: kubelet still sends it (and so the pull is anonymous in effect).
        #expect(keyring.lookup("registry.example.com/app") == [Credential()])
    }

    @Test func matchesFieldNamesIgnoringCaseAsGoDoes() {
        let keyring = ImagePullCredentials(secrets: [Self.secret("creds", """
            {"Auths": {"registry.example.com": {"Username": "u", "PASSWORD": "p"}}}
            """)])
        #expect(keyring.lookup("registry.example.com/app") == [Credential(username: "u", password: "p")])
    }

    @Test func keepsEverySecretsCredentialsForARegistryInOrder() {
        let keyring = ImagePullCredentials(secrets: [
            Self.secret("first", "{\"auths\": {\"registry.example.com\": {\"username\": \"one\"}}}"),
            Self.secret("second", "{\"auths\": {\"https://registry.example.com/v2/\": {\"username\": \"two\"}}}"),
        ])
        #expect(keyring.keys == ["registry.example.com"])
        #expect(Self.users(keyring, "registry.example.com/app") == ["one", "two"])
    }

    // MARK: matching

    @Test(arguments: [
        ("https://index.docker.io/v1/", "index.docker.io"),
        ("index.docker.io", "index.docker.io"),
        ("http://127.0.0.1:5000", "127.0.0.1:5000"),
        ("http://registry.example.com:8080/team/", "registry.example.com:8080/team/"),
        ("https://quay.io/v2/team", "quay.io/team"),
        ("https://quay.io/v1/", "quay.io"),
        ("registry.example.com/team/app", "registry.example.com/team/app"),
        ("user@registry.example.com", "registry.example.com"),
        ("*.example.com", "*.example.com"),
        // A `?` starts the URL's query, as in Go's url.Parse: it is no glob in a key.
        ("mirror-?.example.org", "mirror-"),
    ])
    func filesLocationsUnderTheirKey(location: String, key: String) {
        #expect(ImagePullCredentials.registryKey(location) == key)
    }

    @Test func ignoresAnEntryWhoseKeyIsNoURL() {
        let keyring = Self.keyring([("registry.example.com:http", "bad"), ("registry.example.com", "good")])
        #expect(keyring.skipped.isEmpty)
        #expect(keyring.keys == ["registry.example.com"])
        #expect(Self.users(keyring, "registry.example.com/app") == ["good"])
    }

    @Test func dockerHubCredentialsServeImagesWithoutARegistry() {
        let hub = Self.keyring([("https://index.docker.io/v1/", "hub")])
        for image in ["busybox", "busybox:1.36", "library/busybox", "someone/app:v2", "docker.io/library/busybox", "docker.io/someone/app",
                      "index.docker.io/someone/app"] {
            #expect(Self.users(hub, image) == ["hub"], "\(image)")
        }
        for image in ["quay.io/someone/app", "localhost:5000/app", "registry-1.docker.io/library/busybox"] {
            #expect(Self.users(hub, image).isEmpty, "\(image)")
        }
        // A `docker.io` key matches the normalized name directly.
        #expect(Self.users(Self.keyring([("docker.io", "io")]), "busybox:1.36") == ["io"])
        #expect(Self.users(Self.keyring([("https://docker.io", "io")]), "someone/app") == ["io"])
    }

    @Test func dockerHubFallbackOnlyWhenNoOtherKeyMatches() {
        let keyring = Self.keyring([("https://index.docker.io/v1/", "index"), ("docker.io/someone", "someone")])
        #expect(Self.users(keyring, "someone/app") == ["someone"])
        #expect(Self.users(keyring, "other/app") == ["index"])
    }

    @Test func portsMustMatch() {
        let keyring = Self.keyring([("127.0.0.1:5000", "local"), ("registry.example.com", "plain")])
        #expect(Self.users(keyring, "127.0.0.1:5000/team/app:1.0") == ["local"])
        #expect(Self.users(keyring, "127.0.0.1:5001/team/app").isEmpty)
        #expect(Self.users(keyring, "127.0.0.1/team/app").isEmpty)
        #expect(Self.users(keyring, "registry.example.com/app") == ["plain"])
        #expect(Self.users(keyring, "registry.example.com:443/app").isEmpty)
        #expect(Self.users(Self.keyring([("http://[::1]:5000", "v6")]), "[::1]:5000/app") == ["v6"])
    }

    @Test func mostSpecificPathFirst() {
        let keyring = Self.keyring([("quay.io", "host"), ("quay.io/team/app", "app"), ("https://quay.io/v2/team", "team")])
        #expect(keyring.keys == ["quay.io/team/app", "quay.io/team", "quay.io"])
        #expect(Self.users(keyring, "quay.io/team/app:1.0") == ["app", "team", "host"])
        #expect(Self.users(keyring, "quay.io/team/other") == ["team", "host"])
        #expect(Self.users(keyring, "quay.io/elsewhere/app") == ["host"])
        // The path is a string prefix, as upstream compares it: `quay.io/team` also covers `quay.io/teamwork`.
        #expect(Self.users(keyring, "quay.io/teamwork/app") == ["team", "host"])
    }

    @Test func globHosts() {
        let keyring = Self.keyring([("*.example.com", "wild"), ("registry.example.com", "exact"), ("mirror-[0-9].example.org", "mirror"),
                                    ("[ab]*.example.net", "class"), ("*.*.example.io", "deep")])
        #expect(Self.users(keyring, "registry.example.com/app") == ["exact", "wild"])
        #expect(Self.users(keyring, "other.example.com/app") == ["wild"])
        #expect(Self.users(keyring, "example.com/app").isEmpty)
        #expect(Self.users(keyring, "a.b.example.com/app").isEmpty)
        #expect(Self.users(keyring, "mirror-1.example.org/app") == ["mirror"])
        #expect(Self.users(keyring, "mirror-10.example.org/app").isEmpty)
        #expect(Self.users(keyring, "alpha.example.net/app") == ["class"])
        #expect(Self.users(keyring, "gamma.example.net/app").isEmpty)
        #expect(Self.users(keyring, "a.b.example.io/app") == ["deep"])
        #expect(Self.users(keyring, "a.example.io/app").isEmpty)
    }

    @Test(arguments: [
        ("*", "anything", true), ("*", "", true), ("reg*", "registry", true), ("*try", "registry", true), ("r*g*y", "registry", true),
        ("r*x", "registry", false), ("?", "a", true), ("?", "", false), ("[a-c]", "b", true), ("[a-c]", "d", false),
        ("[^a-c]", "d", true), ("[^a-c]", "a", false), ("\\*", "*", true), ("\\*", "a", false), ("[", "a", false), ("[]", "a", false),
        ("[a-]", "a", false), ("abc", "abc", true), ("abc", "abcd", false),
    ])
    func globsAsGoFilepathMatch(pattern: String, name: String, matches: Bool) {
        #expect(ImagePullCredentials.globMatches(Array(pattern.unicodeScalars), Array(name.unicodeScalars)) == matches)
    }

    @Test func defaultRegistryMatch() {
        for image in ["busybox", "library/busybox", "docker.io/x/y", "index.docker.io/x/y", "someone/app"] {
            #expect(ImagePullCredentials.isDefaultRegistryMatch(image), "\(image)")
        }
        for image in ["", "/x", "quay.io/x", "localhost:5000/x"] {
            #expect(!ImagePullCredentials.isDefaultRegistryMatch(image), "\(image)")
        }
    }

    @Test func sendsUsernameAndPasswordWithoutAServerAddress() {
        let auth = Credential(username: "u", password: "p", identityToken: "t").registryAuth
        #expect(auth == RegistryAuth(username: "u", password: "p", identityToken: "t"))
        #expect(auth.serverAddress.isEmpty)
    }

    // MARK: pulling

    /// What a fake runtime's PullImage was called with; it succeeds for the usernames in `accept`.
    final class PullRecorder: Sendable {
        let calls = Mutex<[RegistryAuth?]>([])
        let accept: Set<String?>

        init(accepting accept: Set<String?>) { self.accept = accept }

        struct Denied: Error, Equatable, CustomStringConvertible {
            var user: String?
            var description: String { "denied for \(user ?? "anonymous")" }
        }

        func pull(_ auth: RegistryAuth?) throws -> String {
            calls.withLock { $0.append(auth) }
            guard accept.contains(auth?.username) else { throw Denied(user: auth?.username) }
            return "sha256:image"
        }

        var users: [String?] { calls.withLock { $0.map { $0?.username } } }
    }

    @Test func pullsAnonymouslyWhenNoCredentialMatches() async throws {
        let recorder = PullRecorder(accepting: [nil])
        let keyring = Self.keyring([("quay.io", "q")])
        #expect(try await keyring.pull("busybox:1.36") { try recorder.pull($0) } == "sha256:image")
        #expect(recorder.users == [nil])
    }

    @Test func triesEachMatchingCredentialUntilOneWorks() async throws {
        let keyring = Self.keyring([("quay.io", "host"), ("quay.io/team", "team"), ("quay.io/team/app", "app")])
        let recorder = PullRecorder(accepting: ["team"])
        #expect(try await keyring.pull("quay.io/team/app:1") { try recorder.pull($0) } == "sha256:image")
        #expect(recorder.users == ["app", "team"])
        #expect(recorder.calls.withLock { $0[1] } == RegistryAuth(username: "team", password: "pw-team"))
    }

    @Test func failsWithEveryErrorWhenNoCredentialWorksAndNeverFallsBackToAnonymous() async throws {
        let keyring = Self.keyring([("quay.io", "host"), ("quay.io/team", "team")])
        let recorder = PullRecorder(accepting: [nil])
        let error = await #expect(throws: ImagePullCredentials.PullFailures.self) {
            try await keyring.pull("quay.io/team/app:1") { try recorder.pull($0) }
        }
        #expect(recorder.users == ["team", "host"])
        #expect(error?.description == "[denied for team, denied for host]")
    }

    @Test func oneFailingCredentialThrowsItsOwnError() async throws {
        let keyring = Self.keyring([("quay.io", "host")])
        let recorder = PullRecorder(accepting: [])
        await #expect(throws: PullRecorder.Denied(user: "host")) {
            try await keyring.pull("quay.io/team/app:1") { try recorder.pull($0) }
        }
    }

    // MARK: the pod's secrets

    @Test func readsThePodsSecretsSkippingMissingOnesWithAnEvent() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let api = try await InProcessAPIServer.start(logger: logger)
        defer { api.stop() }
        let transport = api.transport()
        let secrets = ResourceClient<Secret>(transport: transport)
        _ = try await secrets.create(Self.secret("registry", "{\"auths\": {\"127.0.0.1:5000\": {\"username\": \"u\", \"password\": \"p\"}}}"),
                                     namespace: "default")
        _ = try await secrets.create(Self.secret("broken", "{\"auths\": {\"127.0.0.1:5000\": 1}}"), namespace: "default")
        var elsewhere = Self.secret("elsewhere", "{\"auths\": {\"127.0.0.1:5000\": {\"username\": \"other-namespace\"}}}")
        elsewhere.metadata?.namespace = "kube-system"
        _ = try await secrets.create(elsewhere, namespace: "kube-system")
        let pod = try await ResourceClient<Pod>(transport: transport).create(Pod(
            metadata: ObjectMeta(name: "app", namespace: "default"),
            spec: PodSpec(containers: [Container(image: "127.0.0.1:5000/app:1", name: "main")],
                          imagePullSecrets: [LocalObjectReference(name: "missing"), LocalObjectReference(name: "registry"),
                                             LocalObjectReference(name: "broken"), LocalObjectReference(name: "elsewhere"),
                                             LocalObjectReference(name: "")])), namespace: "default")

        let events = EventRecorder(transport: transport, component: "kubelet", logger: logger)
        let keyring = await ImagePullCredentials.of(pod, transport: transport, events: events, logger: logger)
        #expect(keyring.lookup("127.0.0.1:5000/app:1") == [Credential(username: "u", password: "p")])
        #expect(keyring.skipped.map(\.name) == ["broken"])

        let eventClient = ResourceClient<Event>(transport: transport)
        var warning: Event?
        for _ in 0..<100 where warning == nil {
            warning = try await eventClient.list(namespace: "default").items.first { $0.reason == "FailedToRetrieveImagePullSecret" }
            if warning == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let event = try #require(warning)
        #expect(event.type == "Warning")
        #expect(event.message == "Unable to retrieve some image pull secrets (missing, elsewhere); attempting to pull the image may not succeed.")
        #expect(event.involvedObject?.name == "app")
    }
}
