import Foundation
import SwiftletAPI
import SwiftletClient

/// The files that configMap, secret, downwardAPI and projected volumes put in a pod, as kubelet's volume plugins
/// compute them: every key (or the listed items) of a ConfigMap or Secret, and the downward API's fields.
struct ProjectedFiles: Sendable {
    /// One file of a volume: its path inside the volume, its bytes and its mode.
    struct File: Sendable, Hashable {
        var path: String
        var data: Data
        var mode: Int32
    }

    let pod: Pod
    let transport: any APITransport

    var namespace: String { pod.metadata?.namespace ?? "default" }

    func configMap(name: String, items: [KeyToPath]?, optional: Bool?, mode: Int32) async throws -> [File] {
        var files: [String: Data] = [:]
        do {
            let configMap = try await ResourceClient<ConfigMap>(transport: transport).get(name, namespace: namespace)
            for (key, value) in configMap.data ?? [:] { files[key] = Data(value.utf8) }
            for (key, value) in configMap.binaryData ?? [:] { files[key] = Data(base64Encoded: value) ?? Data() }
        } catch let error as APIError where error.reason == .notFound {
            if optional != true { throw PodVolumes.Failure(message: "configmap \"\(name)\" not found") }
            return []
        }
        return try Self.select(files, items: items, mode: mode, source: "configmap \"\(name)\"", optional: optional == true)
    }

    func secret(name: String, items: [KeyToPath]?, optional: Bool?, mode: Int32) async throws -> [File] {
        var files: [String: Data] = [:]
        do {
            let secret = try await ResourceClient<Secret>(transport: transport).get(name, namespace: namespace)
            for (key, value) in secret.data ?? [:] { files[key] = Data(base64Encoded: value) ?? Data() }
            for (key, value) in secret.stringData ?? [:] where files[key] == nil { files[key] = Data(value.utf8) }
        } catch let error as APIError where error.reason == .notFound {
            if optional != true { throw PodVolumes.Failure(message: "secret \"\(name)\" not found") }
            return []
        }
        return try Self.select(files, items: items, mode: mode, source: "secret \"\(name)\"", optional: optional == true)
    }

    /// Kubelet's downward API volume: each item's field or resource, maps written as sorted `key="value"` lines.
    func downwardAPI(items: [DownwardAPIVolumeFile], mode: Int32) throws -> [File] {
        let resolver = EnvironmentResolver(pod: pod, podIP: "", hostIP: "")
        var files: [File] = []
        for item in items {
            guard let path = item.path, !path.isEmpty else { continue }
            let value: String
            if let field = item.fieldRef?.fieldPath {
                switch field {
                case "metadata.labels": value = Self.formatMap(pod.metadata?.labels ?? [:])
                case "metadata.annotations": value = Self.formatMap(pod.metadata?.annotations ?? [:])
                case "metadata.name", "metadata.namespace", "metadata.uid":
                    value = try Self.field(resolver, field)
                default:
                    guard EnvironmentResolver.subscript(field, of: "metadata.labels") != nil
                        || EnvironmentResolver.subscript(field, of: "metadata.annotations") != nil else {
                        throw PodVolumes.Failure(message: "unsupported fieldPath in downward API volume: \(field)")
                    }
                    value = try Self.field(resolver, field)
                }
            } else if let resource = item.resourceFieldRef {
                let containers = (pod.spec?.containers ?? []) + (pod.spec?.initContainers ?? [])
                guard let container = containers.first(where: { $0.name == resource.containerName }) else {
                    throw PodVolumes.Failure(message: "container \"\(resource.containerName ?? "")\" of resourceFieldRef \(path) not found")
                }
                value = resolver.resourceValue(resource, container: container)
            } else {
                continue
            }
            files.append(File(path: path, data: Data(value.utf8), mode: item.mode ?? mode))
        }
        return files
    }

    /// A projected volume: its sources' files together (service account tokens come with the security issue).
    func projected(_ source: ProjectedVolumeSource) async throws -> [File] {
        let mode = source.defaultMode ?? 0o644
        var files: [File] = []
        for projection in source.sources ?? [] {
            if let configMap = projection.configMap {
                files += try await self.configMap(name: configMap.name ?? "", items: configMap.items, optional: configMap.optional, mode: mode)
            } else if let secret = projection.secret {
                files += try await self.secret(name: secret.name ?? "", items: secret.items, optional: secret.optional, mode: mode)
            } else if let downward = projection.downwardAPI {
                files += try downwardAPI(items: downward.items ?? [], mode: mode)
            }
        }
        return files
    }

    private static func field(_ resolver: EnvironmentResolver, _ path: String) throws -> String {
        do {
            return try resolver.fieldValue(path)
        } catch {
            throw PodVolumes.Failure(message: error.message)
        }
    }

    /// All keys, or the listed items (a listed key that is missing fails unless the source is optional).
    static func select(_ files: [String: Data], items: [KeyToPath]?, mode: Int32, source: String, optional: Bool) throws -> [File] {
        guard let items else { return files.sorted { $0.key < $1.key }.map { File(path: $0.key, data: $0.value, mode: mode) } }
        var selected: [File] = []
        for item in items {
            guard let key = item.key else { continue }
            guard let data = files[key] else {
                if optional { continue }
                throw PodVolumes.Failure(message: "\(source): couldn't find key \(key)")
            }
            selected.append(File(path: item.path ?? key, data: data, mode: item.mode ?? mode))
        }
        return selected
    }

    /// Kubernetes' fieldpath.FormatMap: `key="value"` lines in key order, values quoted as Go's %q does.
    static func formatMap(_ map: [String: String]) -> String {
        map.sorted { $0.key < $1.key }.map { "\($0.key)=\(goQuote($0.value))" }.joined(separator: "\n")
    }
}
