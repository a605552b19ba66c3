import Testing

@testable import SwiftletCRI

@Suite struct ImageReferenceTests {
    @Test(arguments: [
        ("busybox:1.36", "docker.io/library/busybox:1.36"),
        ("busybox", "docker.io/library/busybox:latest"),
        ("library/busybox:1.36", "docker.io/library/busybox:1.36"),
        ("docker.io/busybox:1.36", "docker.io/library/busybox:1.36"),
        ("index.docker.io/library/busybox:1.36", "docker.io/library/busybox:1.36"),
        ("docker.io/library/busybox:1.36", "docker.io/library/busybox:1.36"),
        ("someone/app:v2", "docker.io/someone/app:v2"),
        ("swiftlet.local/pause:3.10", "swiftlet.local/pause:3.10"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
        ("localhost/app:1", "localhost/app:1"),
        ("127.0.0.1:5000/team/app:1.0", "127.0.0.1:5000/team/app:1.0"),
        ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
        ("my_app.v2-x:tag_1.0-rc", "docker.io/library/my_app.v2-x:tag_1.0-rc"),
        (
            "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "docker.io/library/busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        ),
        (
            "busybox:1.36@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "docker.io/library/busybox:1.36@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        ),
    ])
    func normalizesAsContainerdDoes(input: String, expected: String) throws {
        #expect(try ImageReference.normalize(input) == expected)
    }

    @Test(arguments: ["", "Busybox:1", "busybox:", "busybox:-tag", "busy//box", "busybox@sha256:xyz", "-busybox", "busybox:a b"])
    func rejectsInvalidReferences(input: String) {
        #expect(throws: ContainerRuntimeError.self) { try ImageReference(parsing: input) }
    }

    @Test func exposesItsParts() throws {
        let reference = try ImageReference(parsing: "localhost:5000/team/app:1.0")
        #expect(reference.domain == "localhost:5000")
        #expect(reference.path == "team/app")
        #expect(reference.tag == "1.0")
        #expect(reference.digest == nil)
        #expect(reference.name == "localhost:5000/team/app")
    }
}
