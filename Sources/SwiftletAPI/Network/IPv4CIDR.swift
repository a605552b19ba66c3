/// An IPv4 network such as `10.43.0.0/16`, for allocating service and pod addresses.
public struct IPv4CIDR: Sendable, Hashable, CustomStringConvertible {
    public var network: UInt32
    public var prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let prefix = Int(parts[1]), (0...32).contains(prefix), let address = IPv4CIDR.parseAddress(String(parts[0])) else {
            return nil
        }
        self.prefixLength = prefix
        self.network = prefix == 0 ? 0 : address & (UInt32.max << UInt32(32 - prefix))
    }

    public var size: UInt64 { UInt64(1) << UInt64(32 - prefixLength) }

    public func contains(_ address: UInt32) -> Bool {
        prefixLength == 0 || (address & (UInt32.max << UInt32(32 - prefixLength))) == network
    }

    /// The address at `offset` from the network address.
    public func address(at offset: UInt64) -> UInt32 { network &+ UInt32(truncatingIfNeeded: offset) }

    public var description: String { "\(IPv4CIDR.format(network))/\(prefixLength)" }

    public static func parseAddress(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for o in octets {
            guard !o.isEmpty, o.count <= 3, o.allSatisfy(\.isNumber), let n = UInt32(o), n <= 255 else { return nil }
            if o.count > 1 && o.first == "0" { return nil }
            value = value << 8 | n
        }
        return value
    }

    public static func format(_ address: UInt32) -> String {
        "\(address >> 24).\(address >> 16 & 0xFF).\(address >> 8 & 0xFF).\(address & 0xFF)"
    }
}
