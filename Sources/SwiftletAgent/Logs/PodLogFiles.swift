import Foundation
import SwiftletAPI
import SwiftletCRI

/// The agent's container logs on disk, as its pod workers lay them out
/// (`<data dir>/logs/<namespace>_<pod>_<uid>/<container>/<attempt>.log`), for the log endpoint.
struct PodLogFiles: ContainerLogSource {
    let root: String
    let runtime: any ContainerRuntime

    init(dataDir: String, runtime: any ContainerRuntime) {
        root = dataDir + "/logs"
        self.runtime = runtime
    }

    func logFile(namespace: String, pod: String, container: String, previous: Bool) async throws(APIError) -> ContainerLogFile {
        let manager = FileManager.default
        let prefix = "\(namespace)_\(pod)_"
        // A re-created pod of the same name has a new uid: the newest directory is the pod that exists now.
        let podDirectories = ((try? manager.contentsOfDirectory(atPath: root)) ?? []).filter { $0.hasPrefix(prefix) }
            .map { root + "/" + $0 }
            .sorted { Self.modified($0) > Self.modified($1) }
        guard let podDirectory = podDirectories.first else {
            throw APIError.notFound(resource: "pods", group: "", name: pod)
        }
        let attempts = ((try? manager.contentsOfDirectory(atPath: podDirectory + "/" + container)) ?? [])
            .compactMap { name -> Int? in name.hasSuffix(".log") ? Int(name.dropLast(4)) : nil }
            .sorted()
        let wanted = previous ? attempts.dropLast().last : attempts.last
        guard let attempt = wanted else {
            if previous {
                throw APIError.badRequest("previous terminated container \"\(container)\" in pod \"\(pod)\" not found")
            }
            throw APIError.badRequest("container \"\(container)\" in pod \"\(pod)\" is waiting to start: ContainerCreating")
        }
        let path = "\(podDirectory)/\(container)/\(attempt).log"
        if previous { return ContainerLogFile(path: path, isRunning: { false }) }
        let runtime = self.runtime
        let labels = [RuntimeLabels.podNamespace: namespace, RuntimeLabels.podName: pod, RuntimeLabels.containerName: container]
        return ContainerLogFile(path: path, isRunning: {
            let running = try? await runtime.listContainers(ContainerFilter(state: .running, labelSelector: labels))
            return !(running ?? []).isEmpty
        })
    }

    private static func modified(_ path: String) -> Date {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
    }
}
