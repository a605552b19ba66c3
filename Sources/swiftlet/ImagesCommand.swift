import ArgumentParser
import Foundation
import SwiftletCRI

/// `swiftlet images`: images for a node's containerd without a registry.
struct ImagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images", abstract: "Manage the images of a node's containerd.", subcommands: [Import.self])

    /// `swiftlet images import FILE [--data-dir DIR]`
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Load an OCI or docker image archive into the containerd of a server or agent.",
            discussion: """
                The archive's tags are kept, normalized as containerd and kubelet do (busybox:1.36 is \
                docker.io/library/busybox:1.36). The containerd of that data dir must be running: start \
                `swiftlet server` or `swiftlet agent` with the same --data-dir first.
                """)

        @Argument(help: "The image archive (oci-archive or docker-archive tar).") var file: String
        @Option(help: "The data dir of the server or agent whose containerd gets the image.") var dataDir = "/var/lib/swiftlet"

        func run() async throws {
            var containerd = ContainerdConfiguration(dataDir: dataDir)
            // A server's data dir: its embedded agent's containerd lives under `<data dir>/agent`.
            let embedded = ContainerdConfiguration(dataDir: dataDir + "/agent")
            if !FileManager.default.fileExists(atPath: containerd.socketPath) && FileManager.default.fileExists(atPath: embedded.socketPath) {
                containerd = embedded
            }
            do {
                let names = try await ImageArchiveImporter(socketPath: containerd.socketPath).importArchive(file)
                if names.isEmpty {
                    print("imported \(file); it carries no tags")
                }
                for name in names { print("imported \(name)") }
            } catch let error as ContainerRuntimeError where error.code == .unavailable {
                throw ImportFailure(
                    description: "the containerd of data dir \(containerd.dataDir) is not running (nothing answers on "
                        + "\(containerd.socketPath)); start `swiftlet server` or `swiftlet agent` with --data-dir "
                        + "\(containerd.dataDir) first")
            } catch let error as ContainerRuntimeError {
                throw ImportFailure(description: error.message)
            }
        }
    }

    /// A failure to report as is, without the usage text a `ValidationError` brings.
    struct ImportFailure: Error, CustomStringConvertible {
        var description: String
    }
}
