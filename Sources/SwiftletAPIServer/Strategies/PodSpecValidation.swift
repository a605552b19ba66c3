import Foundation
import SwiftletAPI

/// Upstream's checks of a pod spec (`ValidatePodSpec`), shared by pods and pod templates.
enum PodSpecValidation {
    static let restartPolicies = ["Always", "OnFailure", "Never"]
    static let dnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
    static let pullPolicies = ["Always", "IfNotPresent", "Never"]

    /// `extraVolumes` are names mounts may use besides the spec's volumes (a StatefulSet's claim templates).
    static func validate(_ spec: JSONValue?, path: ValidationPath, extraVolumes: Set<String> = []) -> [FieldError] {
        var errors: [FieldError] = []
        guard let spec, case .object = spec else {
            return [.required(path.child("containers").description)]
        }
        var volumeNames = extraVolumes
        for (i, v) in (spec["volumes"]?.arrayValue ?? []).enumerated() {
            let p = path.child("volumes").index(i)
            let name = v["name"]?.stringValue ?? ""
            if name.isEmpty {
                errors.append(.required(p.child("name").description))
            } else {
                for problem in LabelValidation.dns1123LabelProblems(name) { errors.append(.invalid(p.child("name").description, name, problem)) }
                if !volumeNames.insert(name).inserted { errors.append(.duplicate(p.child("name").description, .string(name))) }
            }
        }
        let containers = spec["containers"]?.arrayValue ?? []
        if containers.isEmpty { errors.append(.required(path.child("containers").description)) }
        var names = Set<String>()
        for key in ["initContainers", "containers"] {
            for (i, c) in (spec[key]?.arrayValue ?? []).enumerated() {
                errors += validateContainer(c, path: path.child(key).index(i), names: &names, volumes: volumeNames, isInit: key == "initContainers")
            }
        }
        if let policy = spec["restartPolicy"]?.stringValue, !restartPolicies.contains(policy) {
            errors.append(.notSupported(path.child("restartPolicy").description, policy, restartPolicies))
        }
        if let policy = spec["dnsPolicy"]?.stringValue, !dnsPolicies.contains(policy) {
            errors.append(.notSupported(path.child("dnsPolicy").description, policy, dnsPolicies))
        }
        if let grace = spec["terminationGracePeriodSeconds"]?.intValue, grace < 0 {
            errors.append(.invalid(path.child("terminationGracePeriodSeconds").description, grace, "must be greater than or equal to 0"))
        }
        if let deadline = spec["activeDeadlineSeconds"]?.intValue, deadline <= 0 {
            errors.append(.invalid(path.child("activeDeadlineSeconds").description, deadline, "must be between 1 and 2147483647, inclusive"))
        }
        if let hostname = spec["hostname"]?.stringValue, !hostname.isEmpty {
            for problem in LabelValidation.dns1123LabelProblems(hostname) { errors.append(.invalid(path.child("hostname").description, hostname, problem)) }
        }
        if let subdomain = spec["subdomain"]?.stringValue, !subdomain.isEmpty {
            for problem in LabelValidation.dns1123LabelProblems(subdomain) { errors.append(.invalid(path.child("subdomain").description, subdomain, problem)) }
        }
        for (i, alias) in (spec["hostAliases"]?.arrayValue ?? []).enumerated() {
            // Upstream's validateHostAliases: an IP address, and host names that are DNS subdomains.
            let aliasPath = path.child("hostAliases").index(i)
            let ip = alias["ip"]?.stringValue ?? ""
            if !Self.isIPAddress(ip) {
                errors.append(.invalid(aliasPath.child("ip").description, ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
            }
            for (j, name) in (alias["hostnames"]?.arrayValue ?? []).enumerated() {
                let hostname = name.stringValue ?? ""
                for problem in LabelValidation.dns1123SubdomainProblems(hostname) {
                    errors.append(.invalid(aliasPath.child("hostnames").index(j).description, hostname, problem))
                }
            }
        }
        if case .object(let selector)? = spec["nodeSelector"] {
            for (k, v) in selector {
                for problem in LabelValidation.qualifiedNameProblems(k) { errors.append(.invalid(path.child("nodeSelector").description, k, problem)) }
                let value = v.stringValue ?? ""
                for problem in LabelValidation.labelValueProblems(value) { errors.append(.invalid(path.child("nodeSelector").description, value, problem)) }
            }
        }
        for (i, t) in (spec["tolerations"]?.arrayValue ?? []).enumerated() {
            let p = path.child("tolerations").index(i)
            let op = t["operator"]?.stringValue ?? "Equal"
            if !["Equal", "Exists"].contains(op) { errors.append(.notSupported(p.child("operator").description, op, ["Equal", "Exists"])) }
            if op == "Exists", let v = t["value"]?.stringValue, !v.isEmpty {
                errors.append(.invalid(p.child("operator").description, .string(op), "value must be empty when `operator` is 'Exists'"))
            }
            if let effect = t["effect"]?.stringValue, !effect.isEmpty, !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect) {
                errors.append(.notSupported(p.child("effect").description, effect, ["NoExecute", "NoSchedule", "PreferNoSchedule"]))
            }
        }
        return errors
    }

    /// An IPv4 or IPv6 address in its textual form.
    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    static func validateContainer(_ c: JSONValue, path: ValidationPath, names: inout Set<String>, volumes: Set<String>, isInit: Bool) -> [FieldError] {
        var errors: [FieldError] = []
        let name = c["name"]?.stringValue ?? ""
        if name.isEmpty {
            errors.append(.required(path.child("name").description))
        } else {
            for problem in LabelValidation.dns1123LabelProblems(name) { errors.append(.invalid(path.child("name").description, name, problem)) }
            if !names.insert(name).inserted { errors.append(.duplicate(path.child("name").description, .string(name))) }
        }
        let image = c["image"]?.stringValue ?? ""
        if image.trimmingSpaces.isEmpty { errors.append(.required(path.child("image").description)) }
        if let policy = c["imagePullPolicy"]?.stringValue, !pullPolicies.contains(policy) {
            errors.append(.notSupported(path.child("imagePullPolicy").description, policy, pullPolicies))
        }
        if let restart = c["restartPolicy"]?.stringValue {
            // Only init containers may set one, and only Always: a native sidecar.
            if !isInit {
                errors.append(.forbidden(path.child("restartPolicy").description, "may not be set for non-init containers"))
            } else if restart != "Always" {
                errors.append(.notSupported(path.child("restartPolicy").description, restart, ["Always"]))
            }
        }
        var portNames = Set<String>()
        for (i, p) in (c["ports"]?.arrayValue ?? []).enumerated() {
            let pp = path.child("ports").index(i)
            let port = p["containerPort"]?.intValue ?? 0
            if port < 1 || port > 65535 {
                errors.append(.invalid(pp.child("containerPort").description, port, "must be between 1 and 65535, inclusive"))
            }
            if let hostPort = p["hostPort"]?.intValue, hostPort != 0, hostPort < 1 || hostPort > 65535 {
                errors.append(.invalid(pp.child("hostPort").description, hostPort, "must be between 1 and 65535, inclusive"))
            }
            if let portName = p["name"]?.stringValue, !portName.isEmpty {
                if portName.count > 15 || portName.contains(where: { !($0.isLowercase || $0.isNumber || $0 == "-") }) || !portName.contains(where: { $0.isLetter }) {
                    errors.append(.invalid(pp.child("name").description, portName, "must be no more than 15 characters, contain only lowercase alphanumeric characters or '-', and contain at least one letter"))
                }
                if !portNames.insert(portName).inserted { errors.append(.duplicate(pp.child("name").description, .string(portName))) }
            }
            let proto = p["protocol"]?.stringValue ?? "TCP"
            if !["TCP", "UDP", "SCTP"].contains(proto) {
                errors.append(.notSupported(pp.child("protocol").description, proto, ["SCTP", "TCP", "UDP"]))
            }
        }
        var envNames = Set<String>()
        _ = envNames
        for (i, e) in (c["env"]?.arrayValue ?? []).enumerated() {
            let ep = path.child("env").index(i)
            let envName = e["name"]?.stringValue ?? ""
            if envName.isEmpty { errors.append(.required(ep.child("name").description)) }
            envNames.insert(envName)
            if e["value"] != nil && e["valueFrom"] != nil {
                errors.append(.invalid(ep.child("valueFrom").description, "", "may not be specified when `value` is not empty"))
            }
        }
        for (i, m) in (c["volumeMounts"]?.arrayValue ?? []).enumerated() {
            let mp = path.child("volumeMounts").index(i)
            let vname = m["name"]?.stringValue ?? ""
            if vname.isEmpty { errors.append(.required(mp.child("name").description)) }
            else if !volumes.contains(vname) { errors.append(FieldError(.notFound, field: mp.child("name").description, value: "\"\(vname)\"")) }
            if (m["mountPath"]?.stringValue ?? "").isEmpty { errors.append(.required(mp.child("mountPath").description)) }
        }
        for (kind, key) in [("limits", "limits"), ("requests", "requests")] {
            guard case .object(let values)? = c["resources"]?[key] else { continue }
            for (resource, q) in values {
                let qp = path.child("resources", kind).key(resource)
                guard let text = q.stringValue ?? q.intValue.map({ String($0) }), let quantity = Quantity(text) else {
                    errors.append(.invalid(qp.description, q, "must be a valid quantity"))
                    continue
                }
                if quantity.value < 0 { errors.append(.invalid(qp.description, q, "must be greater than or equal to 0")) }
            }
        }
        if case .object(let limits)? = c["resources"]?["limits"], case .object(let requests)? = c["resources"]?["requests"] {
            for (resource, r) in requests {
                guard let l = limits[resource], let lq = Quantity(l.stringValue ?? ""), let rq = Quantity(r.stringValue ?? "") else { continue }
                if rq.value > lq.value {
                    errors.append(.invalid(path.child("resources", "requests").key(resource).description, r, "must be less than or equal to \(resource) limit of \(lq)"))
                }
            }
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] where c[probe] != nil {
            if isInit && c["restartPolicy"]?.stringValue != "Always" {
                errors.append(.forbidden(path.child(probe).description, "may not be set for init containers without restartPolicy=Always"))
                continue
            }
            let p = c[probe]!
            let handlers = ["exec", "httpGet", "tcpSocket", "grpc"].filter { p[$0] != nil }
            if handlers.isEmpty { errors.append(.required(path.child(probe).description, "must specify a handler type")) }
            if handlers.count > 1 { errors.append(.forbidden(path.child(probe).child(handlers[1]).description, "may not specify more than 1 handler type")) }
            if (probe == "livenessProbe" || probe == "startupProbe"), let s = p["successThreshold"]?.intValue, s != 1 {
                errors.append(.invalid(path.child(probe, "successThreshold").description, s, "must be 1"))
            }
        }
        return errors
    }
}
