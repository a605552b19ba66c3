import Foundation
import SwiftletAPI
import SwiftletClient
import SwiftletCRI
import SwiftletTestSupport
import Testing

@testable import SwiftletAgent

/// A real agent pulls from a registry that asks for a password (Debian's docker-registry with htpasswd on 127.0.0.1)
/// with the credentials of the pod's imagePullSecrets.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ImagePullSecretsIntegrationTests {
    typealias Cluster = AgentTestCluster

    @Test func pullsAPrivateImageWithThePodsPullSecret() async throws {
        try Cluster.requirePrerequisites()
        let archives = try Cluster.imageArchives()
        let storage = "/tmp/swiftlet-registry-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: storage) }
        let username = "puller"
        let password = "pw-" + UUID().uuidString.prefix(12)
        let registry = try await LocalRegistry.start(storage: storage, users: [username: password])
        defer {
            registry.stop()
        }
        let host = registry.host
        let (pushed, output) = try HostProcesses.run("/usr/bin/skopeo", [
            "copy", "--dest-tls-verify=false", "--dest-creds", "\(username):\(password)", "oci-archive:\(archives)/busybox-1.36.oci.tar",
            "docker://\(host)/private/busybox:1.36",
        ])
        try #require(pushed == 0, "skopeo copy failed: \(output)")

        try await Cluster.with { cluster in
            let hosts = ContainerdConfiguration(dataDir: cluster.configuration.dataDir).registryConfigDir + "/\(host)"
            try FileManager.default.createDirectory(atPath: hosts, withIntermediateDirectories: true)
            try """
                server = "http://\(host)"
                [host."http://\(host)"]
                  capabilities = ["pull", "resolve"]
                """.write(toFile: hosts + "/hosts.toml", atomically: true, encoding: .utf8)
            let image = "\(host)/private/busybox:1.36"
            func pod(_ name: String, secrets: [String]) -> Pod {
                Pod(metadata: ObjectMeta(name: name, namespace: "default"),
                    spec: PodSpec(containers: [Container(command: ["sleep", "3600"], image: image, name: "main")],
                                  imagePullSecrets: secrets.map { LocalObjectReference(name: $0) }, nodeName: cluster.nodeName,
                                  terminationGracePeriodSeconds: 1))
            }
            func waiting(_ name: String) async throws -> String? {
                try await cluster.pods.get(name, namespace: "default").status?.containerStatuses?.first?.state?.waiting?.reason
            }

            // Without credentials the registry refuses the pull.
            _ = try await cluster.pods.create(pod("anonymous", secrets: []), namespace: "default")
            try await waitUntil("the anonymous pull failed", timeout: .seconds(60)) {
                ["ErrImagePull", "ImagePullBackOff"].contains(try await waiting("anonymous"))
            }

            // A wrong password in the first secret, the right one (as `auth`, under a URL key) in the next; a
            // secret that does not exist is passed over.
            let secrets = ResourceClient<Secret>(transport: cluster.transport)
            func pullSecret(_ name: String, _ json: String) -> Secret {
                Secret(metadata: ObjectMeta(name: name, namespace: "default"),
                       data: [".dockerconfigjson": Data(json.utf8).base64EncodedString()], type: "kubernetes.io/dockerconfigjson")
            }
            _ = try await secrets.create(pullSecret("stale", """
                {"auths": {"\(host)": {"username": "\(username)", "password": "outdated"}}}
                """), namespace: "default")
            let auth = Data("\(username):\(password)".utf8).base64EncodedString()
            _ = try await secrets.create(pullSecret("current", """
                {"auths": {"http://\(host)/v2/": {"auth": "\(auth)"}}}
                """), namespace: "default")
            _ = try await cluster.pods.create(pod("private", secrets: ["missing", "stale", "current"]), namespace: "default")
            try await waitUntil("the pod with the pull secret runs", timeout: .seconds(60)) {
                try await cluster.pods.get("private", namespace: "default").status?.containerStatuses?.first?.state?.running != nil
            }
            #expect(try await cluster.runtime.imageStatus(image) != nil)
            let events = try await ResourceClient<Event>(transport: cluster.transport).list(namespace: "default").items
                .filter { $0.involvedObject?.name == "private" }
            #expect(events.contains { $0.reason == "FailedToRetrieveImagePullSecret" && $0.message?.contains("(missing)") == true })
            #expect(events.contains { $0.reason == "Pulled" && $0.message?.hasPrefix("Successfully pulled image \"\(image)\"") == true })
        }
    }


}
