/// A topology domain: a node label key and one of its values (`topology.kubernetes.io/zone=a`).
public struct TopologyPair: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

extension Dictionary where Key == TopologyPair, Value == Int64 {
    /// Adds `delta` to the pair's count, dropping pairs that reach zero (emptiness is meaningful to callers).
    mutating func add(_ pair: TopologyPair, _ delta: Int64) {
        let value = (self[pair] ?? 0) + delta
        self[pair] = value == 0 ? nil : value
    }
}
