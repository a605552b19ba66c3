import SwiftletAPI

/// Upstream's defaults for a pod spec (`SetDefaults_PodSpec`, `SetDefaults_Container`, probes, volumes), used by
/// pods and by every pod template.
enum PodSpecDefaults {
    static func apply(to spec: inout JSONValue) {
        guard case .object = spec else { return }
        func setIfMissing(_ key: String, _ value: JSONValue) { if spec[key] == nil { spec[key] = value } }
        setIfMissing("restartPolicy", "Always")
        setIfMissing("terminationGracePeriodSeconds", 30)
        setIfMissing("dnsPolicy", "ClusterFirst")
        setIfMissing("securityContext", .object([:]))
        setIfMissing("schedulerName", "default-scheduler")
        for key in ["containers", "initContainers"] {
            guard case .array(var containers)? = spec[key] else { continue }
            for i in containers.indices { defaultContainer(&containers[i]) }
            spec[key] = .array(containers)
        }
        if case .array(var volumes)? = spec["volumes"] {
            for i in volumes.indices { defaultVolume(&volumes[i]) }
            spec["volumes"] = .array(volumes)
        }
    }

    static func defaultContainer(_ c: inout JSONValue) {
        if c["terminationMessagePath"] == nil { c["terminationMessagePath"] = "/dev/termination-log" }
        if c["terminationMessagePolicy"] == nil { c["terminationMessagePolicy"] = "File" }
        if c["imagePullPolicy"] == nil, let image = c["image"]?.stringValue {
            c["imagePullPolicy"] = .string(imagePullPolicy(for: image))
        }
        if c["resources"] == nil { c["resources"] = .object([:]) }
        if case .array(var ports)? = c["ports"] {
            for i in ports.indices where ports[i]["protocol"] == nil { ports[i]["protocol"] = "TCP" }
            c["ports"] = .array(ports)
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            guard case .object = c[probe] else { continue }
            var p = c[probe]!
            if p["timeoutSeconds"] == nil { p["timeoutSeconds"] = 1 }
            if p["periodSeconds"] == nil { p["periodSeconds"] = 10 }
            if p["successThreshold"] == nil { p["successThreshold"] = 1 }
            if p["failureThreshold"] == nil { p["failureThreshold"] = 3 }
            if case .object = p["httpGet"], p["httpGet"]?["scheme"] == nil { p["httpGet"]?["scheme"] = "HTTP" }
            if case .object = p["httpGet"], p["httpGet"]?["path"] == nil { p["httpGet"]?["path"] = "/" }
            c[probe] = p
        }
        if case .array(var env)? = c["env"] {
            for i in env.indices {
                if case .object = env[i]["valueFrom"]?["fieldRef"], env[i]["valueFrom"]?["fieldRef"]?["apiVersion"] == nil {
                    env[i].set(path: ["valueFrom", "fieldRef", "apiVersion"], to: "v1")
                }
            }
            c["env"] = .array(env)
        }
    }

    /// `Always` for `:latest` or untagged images, `IfNotPresent` otherwise, as upstream.
    static func imagePullPolicy(for image: String) -> String {
        if image.contains("@") { return "IfNotPresent" }
        let lastPart = image.split(separator: "/").last.map(String.init) ?? image
        guard let colon = lastPart.lastIndex(of: ":") else { return "Always" }
        return lastPart[lastPart.index(after: colon)...] == "latest" ? "Always" : "IfNotPresent"
    }

    static func defaultVolume(_ v: inout JSONValue) {
        for (key, defaultMode) in [("configMap", 420), ("secret", 420), ("downwardAPI", 420), ("projected", 420)] {
            if case .object = v[key], v[key]?["defaultMode"] == nil { v[key]?["defaultMode"] = .int(Int64(defaultMode)) }
        }
        if case .object = v["hostPath"], v["hostPath"]?["type"] == nil { v["hostPath"]?["type"] = "" }
        if case .object = v["downwardAPI"], case .array(var items)? = v["downwardAPI"]?["items"] {
            for i in items.indices where items[i]["fieldRef"] != nil && items[i]["fieldRef"]?["apiVersion"] == nil {
                items[i].set(path: ["fieldRef", "apiVersion"], to: "v1")
            }
            v["downwardAPI"]?["items"] = .array(items)
        }
        let sources = ["emptyDir", "hostPath", "configMap", "secret", "downwardAPI", "persistentVolumeClaim", "projected", "nfs",
                       "csi", "ephemeral", "iscsi", "local"]
        if case .object(let o) = v, !o.keys.contains(where: { sources.contains($0) }) {
            v["emptyDir"] = .object([:])
        }
    }
}
