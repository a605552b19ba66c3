import SwiftletAPI

/// Pod IPs of one simulated node, from its pod CIDR: the first address is the bridge's, the rest go to pods,
/// lowest free first — what host-local IPAM would hand out.
struct PodAddressPool: Sendable {
    let cidr: IPv4CIDR
    private var used: Set<UInt32> = []

    init(cidr: IPv4CIDR) { self.cidr = cidr }

    mutating func allocate() -> String? {
        let size = cidr.size
        guard size > 3 else { return nil }
        for offset in 2..<(size - 1) {
            let address = cidr.address(at: offset)
            if !used.contains(address) {
                used.insert(address)
                return IPv4CIDR.format(address)
            }
        }
        return nil
    }

    mutating func occupy(_ ip: String) {
        if let address = IPv4CIDR.parseAddress(ip), cidr.contains(address) { used.insert(address) }
    }

    mutating func release(_ ip: String) {
        if let address = IPv4CIDR.parseAddress(ip) { used.remove(address) }
    }
}
