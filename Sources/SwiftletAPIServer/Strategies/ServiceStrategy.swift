import SwiftletAPI

/// Services: type ClusterIP by default, ports' protocol and targetPort defaults.
struct ServiceStrategy: ResourceStrategy {
    var hasStatusSubresource: Bool { true }

    func applyDefaults(_ object: inout JSONValue) {
        var spec = object["spec"] ?? .object([:])
        if spec["type"] == nil { spec["type"] = "ClusterIP" }
        if spec["sessionAffinity"] == nil { spec["sessionAffinity"] = "None" }
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        if type != "ExternalName" {
            if spec["internalTrafficPolicy"] == nil { spec["internalTrafficPolicy"] = "Cluster" }
            if spec["ipFamilyPolicy"] == nil { spec["ipFamilyPolicy"] = "SingleStack" }
            if spec["ipFamilies"] == nil { spec["ipFamilies"] = ["IPv4"] }
        }
        if type == "NodePort" || type == "LoadBalancer", spec["externalTrafficPolicy"] == nil { spec["externalTrafficPolicy"] = "Cluster" }
        if case .array(var ports)? = spec["ports"] {
            for i in ports.indices {
                if ports[i]["protocol"] == nil { ports[i]["protocol"] = "TCP" }
                if ports[i]["targetPort"] == nil, let port = ports[i]["port"] { ports[i]["targetPort"] = port }
            }
            spec["ports"] = .array(ports)
        }
        object["spec"] = spec
        if object["status"] == nil { object["status"] = ["loadBalancer": .object([:])] }
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = object["spec"]
        let type = spec?["type"]?.stringValue ?? "ClusterIP"
        let types = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]
        if !types.contains(type) { errors.append(.notSupported("spec.type", type, types)) }
        let ports = spec?["ports"]?.arrayValue ?? []
        if ports.isEmpty && type != "ExternalName" && spec?["clusterIP"]?.stringValue != "None" {
            errors.append(.required("spec.ports"))
        }
        var names = Set<String>()
        for (i, p) in ports.enumerated() {
            let path = ValidationPath("spec.ports").index(i)
            let name = p["name"]?.stringValue ?? ""
            if ports.count > 1 && name.isEmpty { errors.append(.required(path.child("name").description)) }
            if !name.isEmpty {
                if !names.insert(name).inserted { errors.append(.duplicate(path.child("name").description, .string(name))) }
                for problem in LabelValidation.dns1123LabelProblems(name) {
                    errors.append(.invalid(path.child("name").description, name, problem))
                }
            }
            let port = p["port"]?.intValue ?? 0
            if port < 1 || port > 65535 {
                errors.append(.invalid(path.child("port").description, port, "must be between 1 and 65535, inclusive"))
            }
            let proto = p["protocol"]?.stringValue ?? "TCP"
            if !["TCP", "UDP", "SCTP"].contains(proto) {
                errors.append(.notSupported(path.child("protocol").description, proto, ["SCTP", "TCP", "UDP"]))
            }
        }
        return errors
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = validate(object)
        if let oldIP = old["spec"]?["clusterIP"]?.stringValue, !oldIP.isEmpty, let newIP = object["spec"]?["clusterIP"]?.stringValue, newIP != oldIP {
            errors.append(.invalid("spec.clusterIP", newIP, "field is immutable"))
        }
        return errors
    }

    func prepareForUpdate(_ object: inout JSONValue, old: JSONValue) {
        object["status"] = old["status"]
        // A client that omits the allocated cluster IP keeps it.
        if object["spec"]?["clusterIP"] == nil, let ip = old["spec"]?["clusterIP"] { object.set(path: ["spec", "clusterIP"], to: ip) }
        if object["spec"]?["clusterIPs"] == nil, let ips = old["spec"]?["clusterIPs"] { object.set(path: ["spec", "clusterIPs"], to: ips) }
    }
}
