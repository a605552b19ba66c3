import SwiftletAPI

/// Hands out the node-sized subnets of the cluster CIDR (upstream's cidrset): a bitmap, the lowest free subnet
/// first, after the last one handed out so a released range is not reused at once.
public struct NodeCIDRAllocator: Sendable {
    public let clusterCIDR: IPv4CIDR
    public let maskSize: Int
    private var used: [UInt64]
    private var next = 0

    public enum Failure: Error, Equatable {
        /// The mask is not longer than the cluster prefix, or the subnets would be smaller than a /30.
        case invalidMaskSize(Int)
        /// Every subnet is taken ("CIDRNotAvailable").
        case exhausted
        /// The CIDR is not one of this cluster's node subnets.
        case outOfRange(String)
    }

    public init(clusterCIDR: IPv4CIDR, maskSize: Int) throws(Failure) {
        guard maskSize >= clusterCIDR.prefixLength, maskSize <= 30, maskSize - clusterCIDR.prefixLength <= 24 else {
            throw .invalidMaskSize(maskSize)
        }
        self.clusterCIDR = clusterCIDR
        self.maskSize = maskSize
        used = Array(repeating: 0, count: (Self.count(clusterCIDR, maskSize) + 63) / 64)
    }

    private static func count(_ cidr: IPv4CIDR, _ mask: Int) -> Int { 1 << (mask - cidr.prefixLength) }

    /// How many node subnets the cluster CIDR holds.
    public var capacity: Int { Self.count(clusterCIDR, maskSize) }

    private func isUsed(_ i: Int) -> Bool { used[i / 64] & (1 << UInt64(i % 64)) != 0 }

    private func subnet(_ i: Int) -> IPv4CIDR {
        IPv4CIDR("\(IPv4CIDR.format(clusterCIDR.network &+ UInt32(i) << UInt32(32 - maskSize)))/\(maskSize)")!
    }

    private func index(of cidr: String) throws(Failure) -> Int {
        guard let parsed = IPv4CIDR(cidr), parsed.prefixLength == maskSize, clusterCIDR.contains(parsed.network) else {
            throw .outOfRange(cidr)
        }
        return Int((parsed.network &- clusterCIDR.network) >> UInt32(32 - maskSize))
    }

    /// Takes the next free subnet.
    public mutating func allocate() throws(Failure) -> IPv4CIDR {
        let total = capacity
        for step in 0..<total {
            let i = (next + step) % total
            if !isUsed(i) {
                used[i / 64] |= 1 << UInt64(i % 64)
                next = (i + 1) % total
                return subnet(i)
            }
        }
        throw .exhausted
    }

    /// Marks a subnet a node already has as taken (after a restart).
    public mutating func occupy(_ cidr: String) throws(Failure) {
        let i = try index(of: cidr)
        used[i / 64] |= 1 << UInt64(i % 64)
    }

    /// Gives a deleted node's subnet back.
    public mutating func release(_ cidr: String) throws(Failure) {
        let i = try index(of: cidr)
        used[i / 64] &= ~(1 << UInt64(i % 64))
    }
}
