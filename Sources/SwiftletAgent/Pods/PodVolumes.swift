import Foundation
import SwiftletAPI
import SwiftletClient

/// A pod's volumes on the node: emptyDir as a directory under the pod's directory, hostPath as is, configMap and
/// secret as written files (refreshed on every sync). Everything but hostPath goes when the pod does.
struct PodVolumes: Sendable {
    /// A volume that cannot be set up (yet); the pod's containers wait with `ContainerCreating`.
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// `<dataDir>/pods/<uid>`
    let podDirectory: String
    let transport: any APITransport

    init(dataDir: String, uid: String, transport: any APITransport) {
        podDirectory = dataDir + "/pods/" + uid
        self.transport = transport
    }

    /// Sets up every volume and returns each one's host path.
    func setUp(_ pod: Pod) async throws -> [String: String] {
        var paths: [String: String] = [:]
        let namespace = pod.metadata?.namespace ?? "default"
        for volume in pod.spec?.volumes ?? [] {
            guard let name = volume.name else { continue }
            if volume.emptyDir != nil {
                let path = podDirectory + "/volumes/kubernetes.io~empty-dir/" + name
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
                paths[name] = path
            } else if let hostPath = volume.hostPath, let path = hostPath.path {
                switch hostPath.type ?? "" {
                case "DirectoryOrCreate":
                    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
                case "FileOrCreate":
                    if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
                case "Directory", "File", "Socket", "CharDevice", "BlockDevice":
                    guard FileManager.default.fileExists(atPath: path) else { throw Failure(message: "hostPath type check failed: \(path) does not exist") }
                default: break
                }
                paths[name] = path
            } else if let source = volume.configMap {
                let path = podDirectory + "/volumes/kubernetes.io~configmap/" + name
                let configMapName = source.name ?? ""
                var files: [String: Data] = [:]
                do {
                    let configMap = try await ResourceClient<ConfigMap>(transport: transport).get(configMapName, namespace: namespace)
                    for (key, value) in configMap.data ?? [:] { files[key] = Data(value.utf8) }
                    for (key, value) in configMap.binaryData ?? [:] { files[key] = Data(base64Encoded: value) ?? Data() }
                } catch let error as APIError where error.reason == .notFound {
                    if source.optional != true { throw Failure(message: "configmap \"\(configMapName)\" not found") }
                }
                try write(files, items: source.items, mode: source.defaultMode ?? 0o644, to: path)
                paths[name] = path
            } else if let source = volume.secret {
                let path = podDirectory + "/volumes/kubernetes.io~secret/" + name
                let secretName = source.secretName ?? ""
                var files: [String: Data] = [:]
                do {
                    let secret = try await ResourceClient<Secret>(transport: transport).get(secretName, namespace: namespace)
                    for (key, value) in secret.data ?? [:] { files[key] = Data(base64Encoded: value) ?? Data() }
                } catch let error as APIError where error.reason == .notFound {
                    if source.optional != true { throw Failure(message: "secret \"\(secretName)\" not found") }
                }
                try write(files, items: source.items, mode: source.defaultMode ?? 0o644, to: path)
                paths[name] = path
            }
        }
        return paths
    }

    /// Writes the projected keys (all, or the listed items) and removes files no longer projected.
    private func write(_ files: [String: Data], items: [KeyToPath]?, mode: Int32, to directory: String) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        var wanted: [(path: String, data: Data, mode: Int32)] = []
        if let items {
            for item in items {
                guard let key = item.key, let data = files[key] else { continue }
                wanted.append((item.path ?? key, data, item.mode ?? mode))
            }
        } else {
            wanted = files.map { ($0.key, $0.value, mode) }
        }
        let keep = Set(wanted.map(\.path))
        for existing in (try? manager.contentsOfDirectory(atPath: directory)) ?? [] where !keep.contains(existing) {
            try? manager.removeItem(atPath: directory + "/" + existing)
        }
        for file in wanted {
            let path = directory + "/" + file.path
            try manager.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if manager.contents(atPath: path) != file.data {
                try file.data.write(to: URL(fileURLWithPath: path), options: .atomic)
            }
            try manager.setAttributes([.posixPermissions: Int(file.mode)], ofItemAtPath: path)
        }
    }

    /// Removes the pod's directory (its emptyDirs and projected files).
    func tearDown() {
        try? FileManager.default.removeItem(atPath: podDirectory)
    }
}
