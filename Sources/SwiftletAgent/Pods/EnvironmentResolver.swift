import Foundation
import SwiftletAPI
import SwiftletCRI

/// A container's environment as kubelet makes it: `envFrom` sources first, then `env` in order (later names
/// override earlier ones), `$(VAR)` references expanded against what is defined before, and values from the
/// downward API (`fieldRef`), ConfigMaps and Secrets.
public struct EnvironmentResolver: Sendable {
    /// A reference that cannot be resolved; the container waits with `CreateContainerConfigError`.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public var pod: Pod
    public var podIP: String
    public var hostIP: String
    public var configMaps: [String: ConfigMap]
    public var secrets: [String: Secret]

    public init(pod: Pod, podIP: String, hostIP: String, configMaps: [String: ConfigMap] = [:], secrets: [String: Secret] = [:]) {
        self.pod = pod
        self.podIP = podIP
        self.hostIP = hostIP
        self.configMaps = configMaps
        self.secrets = secrets
    }

    /// The ConfigMaps and Secrets `container`'s environment refers to.
    public static func references(of container: Container) -> (configMaps: Set<String>, secrets: Set<String>) {
        var configMaps = Set<String>()
        var secrets = Set<String>()
        for source in container.envFrom ?? [] {
            if let name = source.configMapRef?.name { configMaps.insert(name) }
            if let name = source.secretRef?.name { secrets.insert(name) }
        }
        for variable in container.env ?? [] {
            if let name = variable.valueFrom?.configMapKeyRef?.name { configMaps.insert(name) }
            if let name = variable.valueFrom?.secretKeyRef?.name { secrets.insert(name) }
        }
        return (configMaps, secrets)
    }

    public func environment(for container: Container) throws(Failure) -> [EnvironmentVariable] {
        var order: [String] = []
        var values: [String: String] = [:]
        func define(_ name: String, _ value: String) {
            if values[name] == nil { order.append(name) }
            values[name] = value
        }
        let namespace = pod.metadata?.namespace ?? "default"
        for source in container.envFrom ?? [] {
            let prefix = source.prefix ?? ""
            if let ref = source.configMapRef {
                let name = ref.name ?? ""
                guard let configMap = configMaps[name] else {
                    if ref.optional == true { continue }
                    throw Failure(message: "configmap \"\(name)\" not found")
                }
                for (key, value) in (configMap.data ?? [:]).sorted(by: { $0.key < $1.key }) { define(prefix + key, value) }
            }
            if let ref = source.secretRef {
                let name = ref.name ?? ""
                guard let secret = secrets[name] else {
                    if ref.optional == true { continue }
                    throw Failure(message: "secret \"\(name)\" not found")
                }
                for (key, value) in Self.decoded(secret).sorted(by: { $0.key < $1.key }) { define(prefix + key, value) }
            }
        }
        for variable in container.env ?? [] {
            guard let name = variable.name else { continue }
            if let source = variable.valueFrom {
                if let field = source.fieldRef {
                    define(name, try fieldValue(field.fieldPath ?? ""))
                } else if let ref = source.configMapKeyRef {
                    let mapName = ref.name ?? "", key = ref.key ?? ""
                    guard let configMap = configMaps[mapName] else {
                        if ref.optional == true { continue }
                        throw Failure(message: "configmap \"\(mapName)\" not found")
                    }
                    guard let value = configMap.data?[key] else {
                        if ref.optional == true { continue }
                        throw Failure(message: "couldn't find key \(key) in ConfigMap \(namespace)/\(mapName)")
                    }
                    define(name, value)
                } else if let ref = source.secretKeyRef {
                    let secretName = ref.name ?? "", key = ref.key ?? ""
                    guard let secret = secrets[secretName] else {
                        if ref.optional == true { continue }
                        throw Failure(message: "secret \"\(secretName)\" not found")
                    }
                    guard let value = Self.decoded(secret)[key] else {
                        if ref.optional == true { continue }
                        throw Failure(message: "couldn't find key \(key) in Secret \(namespace)/\(secretName)")
                    }
                    define(name, value)
                } else if let resource = source.resourceFieldRef {
                    define(name, resourceValue(resource, container: container))
                }
            } else {
                define(name, Self.expand(variable.value ?? "", with: values))
            }
        }
        return order.map { EnvironmentVariable(name: $0, value: values[$0] ?? "") }
    }

    /// The downward API's environment fields.
    func fieldValue(_ path: String) throws(Failure) -> String {
        let metadata = pod.metadata
        switch path {
        case "metadata.name": return metadata?.name ?? ""
        case "metadata.namespace": return metadata?.namespace ?? ""
        case "metadata.uid": return metadata?.uid ?? ""
        case "spec.nodeName": return pod.spec?.nodeName ?? ""
        case "spec.serviceAccountName": return pod.spec?.serviceAccountName ?? ""
        case "status.podIP", "status.podIPs": return podIP
        case "status.hostIP", "status.hostIPs": return hostIP
        default:
            if let key = Self.subscript(path, of: "metadata.labels") { return metadata?.labels?[key] ?? "" }
            if let key = Self.subscript(path, of: "metadata.annotations") { return metadata?.annotations?[key] ?? "" }
            throw Failure(message: "unsupported fieldPath: \(path)")
        }
    }

    /// `limits.cpu` and friends, in the divisor's units (1 by default), rounded up as kubelet does.
    func resourceValue(_ selector: ResourceFieldSelector, container: Container) -> String {
        let resource = selector.resource ?? ""
        let parts = resource.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return "" }
        let table = parts[0] == "limits" ? container.resources?.limits : container.resources?.requests
        guard let quantity = table?[parts[1]] else { return parts[1] == "cpu" && parts[0] == "limits" ? "\(ProcessInfo.processInfo.activeProcessorCount)" : "0" }
        let divisor = selector.divisor.map { $0.value } ?? 1
        guard divisor != 0 else { return "" }
        var result = quantity.value / divisor
        var rounded = Decimal()
        NSDecimalRound(&rounded, &result, 0, .up)
        return "\(rounded)"
    }

    /// `metadata.labels['key']` → `key`.
    static func `subscript`(_ path: String, of field: String) -> String? {
        guard path.hasPrefix(field + "['"), path.hasSuffix("']") else { return nil }
        return String(path.dropFirst(field.count + 2).dropLast(2))
    }

    /// A Secret's values, base64-decoded (stringData is folded into data by the API server).
    static func decoded(_ secret: Secret) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in secret.data ?? [:] {
            result[key] = Data(base64Encoded: value).map { String(decoding: $0, as: UTF8.self) } ?? value
        }
        for (key, value) in secret.stringData ?? [:] where result[key] == nil { result[key] = value }
        return result
    }

    /// Kubernetes' `$(VAR)` expansion: a defined name is replaced, `$$` is a literal `$`, anything else stays.
    public static func expand(_ text: String, with values: [String: String]) -> String {
        guard text.contains("$") else { return text }
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex else {
                result.append(character)
                index = next
                continue
            }
            if text[next] == "$" {
                result.append("$")
                index = text.index(after: next)
            } else if text[next] == "(", let close = text[next...].firstIndex(of: ")") {
                let name = String(text[text.index(after: next)..<close])
                if let value = values[name] {
                    result.append(value)
                } else {
                    result.append(contentsOf: text[index...close])
                }
                index = text.index(after: close)
            } else {
                result.append(character)
                index = next
            }
        }
        return result
    }
}
