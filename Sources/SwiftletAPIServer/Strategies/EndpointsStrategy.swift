import SwiftletAPI

/// Endpoints: valid addresses and ports in every subset.
struct EndpointsStrategy: ResourceStrategy {
    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        for (i, subset) in (object["subsets"]?.arrayValue ?? []).enumerated() {
            let path = ValidationPath("subsets").index(i)
            let addresses = (subset["addresses"]?.arrayValue ?? []) + (subset["notReadyAddresses"]?.arrayValue ?? [])
            let readyCount = subset["addresses"]?.arrayValue?.count ?? 0
            for (j, address) in addresses.enumerated() {
                let field = j < readyCount ? path.child("addresses").index(j) : path.child("notReadyAddresses").index(j - readyCount)
                let ip = address["ip"]?.stringValue ?? ""
                if IPv4CIDR.parseAddress(ip) == nil && !ip.contains(":") {
                    errors.append(.invalid(field.child("ip").description, ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
                }
            }
            let ports = subset["ports"]?.arrayValue ?? []
            for (j, port) in ports.enumerated() {
                let field = path.child("ports").index(j)
                let n = port["port"]?.intValue ?? 0
                if n < 1 || n > 65535 { errors.append(.invalid(field.child("port").description, n, "must be between 1 and 65535, inclusive")) }
                if ports.count > 1 && (port["name"]?.stringValue ?? "").isEmpty { errors.append(.required(field.child("name").description)) }
                let proto = port["protocol"]?.stringValue ?? "TCP"
                if !["TCP", "UDP", "SCTP"].contains(proto) {
                    errors.append(.notSupported(field.child("protocol").description, proto, ["SCTP", "TCP", "UDP"]))
                }
            }
        }
        return errors
    }

    func applyDefaults(_ object: inout JSONValue) {
        guard case .array(var subsets)? = object["subsets"] else { return }
        for i in subsets.indices {
            guard case .array(var ports)? = subsets[i]["ports"] else { continue }
            for j in ports.indices where ports[j]["protocol"] == nil { ports[j]["protocol"] = "TCP" }
            subsets[i]["ports"] = .array(ports)
        }
        object["subsets"] = .array(subsets)
    }
}
