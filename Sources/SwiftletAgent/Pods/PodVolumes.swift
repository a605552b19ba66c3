import Foundation
import SwiftletAPI
import SwiftletClient
import SwiftletCRI

/// A pod's volumes on the node: emptyDir as a directory under the pod's directory (a tmpfs for medium Memory), hostPath as is, configMap,
/// secret, downwardAPI and projected volumes as written files (refreshed on every sync), and a
/// persistentVolumeClaim as the local or hostPath directory of the PersistentVolume it is bound to.
/// Everything under the pod's directory goes when the pod does; hostPath and PersistentVolume data stay.
struct PodVolumes: Sendable {
    /// A volume that cannot be set up (yet); the pod's containers wait with `ContainerCreating`.
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Where a volume is on the host, and whether every mount of it is read-only (kubelet mounts configMap,
    /// secret, downwardAPI and projected volumes read-only, and a claim its volume source marks readOnly).
    struct HostVolume: Sendable, Hashable {
        var path: String
        var readOnly: Bool
    }

    /// `<dataDir>/pods/<uid>`
    let podDirectory: String
    let transport: any APITransport

    init(dataDir: String, uid: String, transport: any APITransport) {
        podDirectory = dataDir + "/pods/" + uid
        self.transport = transport
    }

    /// The pod's managed `/etc/hosts`, mounted into each of its containers.
    var hostsFile: String { podDirectory + "/etc-hosts" }

    /// Sets up every volume and returns each one's place on the host.
    func setUp(_ pod: Pod) async throws -> [String: HostVolume] {
        var volumes: [String: HostVolume] = [:]
        let files = ProjectedFiles(pod: pod, transport: transport)
        for volume in pod.spec?.volumes ?? [] {
            guard let name = volume.name else { continue }
            if let emptyDir = volume.emptyDir {
                let path = podDirectory + "/volumes/kubernetes.io~empty-dir/" + name
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
                switch emptyDir.medium ?? "" {
                case "":
                    break
                case "Memory":
                    // A tmpfs, of at most its sizeLimit; it counts against the node's memory, not its disk.
                    if !MountTable.isMountPoint(path) {
                        do {
                            try MountTable.mountTmpfs(at: path, sizeBytes: emptyDir.sizeLimit.map { $0.int64Value })
                        } catch {
                            throw Failure(message: "\(error)")
                        }
                    }
                default:
                    throw Failure(message: "emptyDir medium \"\(emptyDir.medium ?? "")\" is not supported on this node")
                }
                volumes[name] = HostVolume(path: path, readOnly: false)
            } else if let hostPath = volume.hostPath, let path = hostPath.path {
                try Self.prepare(hostPath: path, type: hostPath.type)
                volumes[name] = HostVolume(path: path, readOnly: false)
            } else if let source = volume.configMap {
                let path = podDirectory + "/volumes/kubernetes.io~configmap/" + name
                try write(try await files.configMap(name: source.name ?? "", items: source.items, optional: source.optional,
                                                    mode: source.defaultMode ?? 0o644), to: path)
                volumes[name] = HostVolume(path: path, readOnly: true)
            } else if let source = volume.secret {
                let path = podDirectory + "/volumes/kubernetes.io~secret/" + name
                try write(try await files.secret(name: source.secretName ?? "", items: source.items, optional: source.optional,
                                                 mode: source.defaultMode ?? 0o644), to: path)
                volumes[name] = HostVolume(path: path, readOnly: true)
            } else if let source = volume.downwardAPI {
                let path = podDirectory + "/volumes/kubernetes.io~downward-api/" + name
                try write(try files.downwardAPI(items: source.items ?? [], mode: source.defaultMode ?? 0o644), to: path)
                volumes[name] = HostVolume(path: path, readOnly: true)
            } else if let source = volume.projected {
                let path = podDirectory + "/volumes/kubernetes.io~projected/" + name
                try write(try await files.projected(source), to: path)
                volumes[name] = HostVolume(path: path, readOnly: true)
            } else if let source = volume.persistentVolumeClaim {
                let path = try await claimPath(source.claimName ?? "", namespace: pod.metadata?.namespace ?? "default")
                volumes[name] = HostVolume(path: path, readOnly: source.readOnly == true)
            }
        }
        return volumes
    }

    /// The directory of the PersistentVolume a claim is bound to, checked as kubelet's volume manager does: the
    /// claim is Bound to a volume whose claimRef points back at it, and the volume is a local or hostPath one.
    func claimPath(_ claimName: String, namespace: String) async throws -> String {
        let claim: PersistentVolumeClaim
        do {
            claim = try await ResourceClient<PersistentVolumeClaim>(transport: transport).get(claimName, namespace: namespace)
        } catch let error as APIError where error.reason == .notFound {
            throw Failure(message: "persistentvolumeclaim \"\(claimName)\" not found")
        }
        guard claim.status?.phase == "Bound" else { throw Failure(message: "PVC \(namespace)/\(claimName) is not bound") }
        guard let volumeName = claim.spec?.volumeName, !volumeName.isEmpty else {
            throw Failure(message: "PVC \(namespace)/\(claimName) has empty pvc.Spec.VolumeName")
        }
        let volume: PersistentVolume
        do {
            volume = try await ResourceClient<PersistentVolume>(transport: transport).get(volumeName, namespace: nil)
        } catch let error as APIError where error.reason == .notFound {
            throw Failure(message: "persistentvolume \"\(volumeName)\" not found")
        }
        guard let claimRef = volume.spec?.claimRef else {
            throw Failure(message: "found PV object \(volumeName) but it has a nil pv.Spec.ClaimRef indicating it is not yet bound to the claim")
        }
        guard claimRef.uid == claim.metadata?.uid else {
            throw Failure(message: "found PV object \(volumeName) but its pv.Spec.ClaimRef.UID \(claimRef.uid ?? "") does not point to claim.UID \(claim.metadata?.uid ?? "")")
        }
        if let local = volume.spec?.local?.path {
            guard FileManager.default.fileExists(atPath: local) else { throw Failure(message: "local volume \(volumeName): path \(local) does not exist") }
            return local
        }
        if let hostPath = volume.spec?.hostPath, let path = hostPath.path {
            try Self.prepare(hostPath: path, type: hostPath.type)
            return path
        }
        throw Failure(message: "persistentvolume \"\(volumeName)\" is neither a local nor a hostPath volume, the kinds this node can mount")
    }

    /// Creates or checks a hostPath as its type says.
    static func prepare(hostPath path: String, type: String?) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        let exists = manager.fileExists(atPath: path, isDirectory: &isDirectory)
        switch type ?? "" {
        case "DirectoryOrCreate":
            if !exists { try manager.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755]) }
        case "FileOrCreate":
            if !exists { _ = manager.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]) }
        case "Directory":
            guard exists, isDirectory.boolValue else { throw Failure(message: "hostPath type check failed: \(path) is not a directory") }
        case "File":
            guard exists, !isDirectory.boolValue else { throw Failure(message: "hostPath type check failed: \(path) is not a file") }
        case "Socket", "CharDevice", "BlockDevice":
            guard exists else { throw Failure(message: "hostPath type check failed: \(path) does not exist") }
        default: break
        }
    }

    /// Writes the projected files and removes files no longer projected.
    private func write(_ files: [ProjectedFiles.File], to directory: String) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        for file in files {
            guard !file.path.hasPrefix("/"), !file.path.split(separator: "/").contains("..") else {
                throw Failure(message: "volume file path \(file.path) must be relative and may not contain '..'")
            }
        }
        let keep = Set(files.map { String($0.path.split(separator: "/").first ?? "") })
        for existing in (try? manager.contentsOfDirectory(atPath: directory)) ?? [] where !keep.contains(existing) {
            try? manager.removeItem(atPath: directory + "/" + existing)
        }
        for file in files {
            let path = directory + "/" + file.path
            try manager.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if manager.contents(atPath: path) != file.data {
                try file.data.write(to: URL(fileURLWithPath: path), options: .atomic)
            }
            try manager.setAttributes([.posixPermissions: Int(file.mode)], ofItemAtPath: path)
        }
    }

    /// Removes the pod's directory (its emptyDirs, projected files and hosts file), unmounting its tmpfs first.
    func tearDown() {
        MountTable.unmountAll(under: podDirectory)
        try? FileManager.default.removeItem(atPath: podDirectory)
    }
}
