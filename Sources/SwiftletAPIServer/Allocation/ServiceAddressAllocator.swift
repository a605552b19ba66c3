import SwiftletAPI
import Synchronization

/// Gives each Service a cluster IP from `--service-cidr` and each NodePort service its node ports,
/// never handing out an address that a stored service holds or that was handed out moments ago.
final class ServiceAddressAllocator: Sendable {
    let cidr: IPv4CIDR
    let nodePortRange: ClosedRange<Int64> = 30000...32767
    private let cache: WatchCache
    /// Recently handed-out values that may not be in the cache yet.
    private let pending = Mutex<(ips: Set<UInt32>, ports: Set<Int64>)>(([], []))

    init(cidr: IPv4CIDR, cache: WatchCache) {
        self.cidr = cidr
        self.cache = cache
    }

    /// The address the `kubernetes` service gets: the first in the range.
    var apiServiceIP: String { IPv4CIDR.format(cidr.address(at: 1)) }

    private func usedAddresses() async -> (Set<UInt32>, Set<Int64>) {
        var ips = Set<UInt32>(), ports = Set<Int64>()
        let everything = WatchFilter(fields: { _ in [:] })
        for service in await cache.list(filter: everything).items {
            for ip in service.object["spec"]?["clusterIPs"]?.arrayValue ?? [] {
                if let s = ip.stringValue, let a = IPv4CIDR.parseAddress(s) { ips.insert(a) }
            }
            if let s = service.object["spec"]?["clusterIP"]?.stringValue, let a = IPv4CIDR.parseAddress(s) { ips.insert(a) }
            for port in service.object["spec"]?["ports"]?.arrayValue ?? [] {
                if let n = port["nodePort"]?.intValue { ports.insert(n) }
            }
        }
        return (ips, ports)
    }

    /// Fills in `spec.clusterIP(s)` and node ports of a new service; throws 422 for a requested address outside the range or taken.
    func allocate(_ service: inout JSONValue) async throws(APIError) {
        guard var spec = service["spec"], case .object = spec else { return }
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        let name = service["metadata"]?["name"]?.stringValue ?? ""
        var (usedIPs, usedPorts) = await usedAddresses()
        pending.withLock { p in
            usedIPs.formUnion(p.ips)
            usedPorts.formUnion(p.ports)
        }
        if type != "ExternalName" {
            let requested = spec["clusterIP"]?.stringValue ?? spec["clusterIPs"]?[0]?.stringValue ?? ""
            if requested == "None" {
                spec["clusterIP"] = "None"
                spec["clusterIPs"] = ["None"]
            } else if !requested.isEmpty {
                guard let address = IPv4CIDR.parseAddress(requested) else {
                    throw APIError.invalid(kind: "Service", group: "", name: name, errors: [
                        .invalid("spec.clusterIPs[0]", requested, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")])
                }
                guard cidr.contains(address) else {
                    throw APIError.invalid(kind: "Service", group: "", name: name, errors: [
                        FieldError(.invalid, field: "spec.clusterIPs", value: "[]string{\"\(requested)\"}",
                                   detail: "failed to allocate IP \(requested): the provided IP (\(requested)) is not in the valid range. The range of valid IPs is \(cidr)")])
                }
                guard !usedIPs.contains(address) else {
                    throw APIError.invalid(kind: "Service", group: "", name: name, errors: [
                        FieldError(.invalid, field: "spec.clusterIPs", value: "[]string{\"\(requested)\"}",
                                   detail: "failed to allocate IP \(requested): provided IP is already allocated")])
                }
                pending.withLock { _ = $0.ips.insert(address) }
                spec["clusterIPs"] = [.string(requested)]
            } else {
                // Random probing from a random start, as upstream's bitmap allocator does, skipping network and broadcast.
                let size = cidr.size
                guard size > 2 else { throw APIError.internalError("service CIDR \(cidr) is too small") }
                var offset = UInt64.random(in: 1..<(size - 1))
                var chosen: UInt32?
                for _ in 0..<(size - 2) {
                    let candidate = cidr.address(at: offset)
                    if offset != 1 || name == "kubernetes", !usedIPs.contains(candidate) {
                        chosen = candidate
                        break
                    }
                    offset = offset + 1 >= size - 1 ? 1 : offset + 1
                }
                guard let chosen else {
                    throw APIError.internalError("failed to allocate a serviceIP: range is full")
                }
                let claimed = pending.withLock { p -> Bool in p.ips.insert(chosen).inserted }
                if !claimed { return try await allocate(&service) }
                spec["clusterIP"] = .string(IPv4CIDR.format(chosen))
                spec["clusterIPs"] = [.string(IPv4CIDR.format(chosen))]
            }
        }
        if type == "NodePort" || type == "LoadBalancer", case .array(var ports)? = spec["ports"] {
            for i in ports.indices {
                if let requested = ports[i]["nodePort"]?.intValue, requested != 0 {
                    guard nodePortRange.contains(requested) else {
                        throw APIError.invalid(kind: "Service", group: "", name: name, errors: [
                            .invalid("spec.ports[\(i)].nodePort", requested, "provided port is not in the valid range. The range of valid ports is 30000-32767")])
                    }
                    guard !usedPorts.contains(requested) else {
                        throw APIError.invalid(kind: "Service", group: "", name: name, errors: [
                            .invalid("spec.ports[\(i)].nodePort", requested, "provided port is already allocated")])
                    }
                    usedPorts.insert(requested)
                    continue
                }
                var port = Int64.random(in: nodePortRange)
                while usedPorts.contains(port) { port = port == nodePortRange.upperBound ? nodePortRange.lowerBound : port + 1 }
                usedPorts.insert(port)
                pending.withLock { _ = $0.ports.insert(port) }
                ports[i]["nodePort"] = .int(port)
            }
            spec["ports"] = .array(ports)
        }
        service["spec"] = spec
    }

    /// Forgets pending values once the cache has them (called after a successful create).
    func settle() async {
        let (ips, ports) = await usedAddresses()
        pending.withLock { p in
            p.ips.subtract(ips)
            p.ports.subtract(ports)
        }
    }
}
