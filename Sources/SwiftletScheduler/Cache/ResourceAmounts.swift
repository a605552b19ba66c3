import SwiftletAPI

/// Amounts of the resources the scheduler accounts for (upstream's `framework.Resource`): milli-CPU, bytes of
/// memory and ephemeral storage, a pod count, and scalar resources (extended resources, hugepages) by name.
public struct ResourceAmounts: Sendable, Hashable {
    public var milliCPU: Int64 = 0
    public var memory: Int64 = 0
    public var ephemeralStorage: Int64 = 0
    public var allowedPodNumber: Int64 = 0
    public var scalar: [String: Int64] = [:]

    public static let cpu = "cpu", memoryName = "memory", ephemeralStorageName = "ephemeral-storage", pods = "pods"

    /// Milli-CPU a container without a CPU request counts as when scoring (upstream's DefaultMilliCPURequest).
    public static let defaultMilliCPURequest: Int64 = 100
    /// Bytes a container without a memory request counts as when scoring (upstream's DefaultMemoryRequest, 200 MiB).
    public static let defaultMemoryRequest: Int64 = 200 * 1024 * 1024

    public init() {}

    /// The amounts of a resource list (a node's allocatable, a container's requests).
    public init(_ list: [String: Quantity]?) {
        add(list)
    }

    /// Whether nothing at all is requested.
    public var isZero: Bool {
        milliCPU == 0 && memory == 0 && ephemeralStorage == 0 && allowedPodNumber == 0 && scalar.values.allSatisfy { $0 == 0 }
    }

    /// The amount of resource `name` (milli-units for cpu).
    public func amount(of name: String) -> Int64 {
        switch name {
        case Self.cpu: return milliCPU
        case Self.memoryName: return memory
        case Self.ephemeralStorageName: return ephemeralStorage
        case Self.pods: return allowedPodNumber
        default: return scalar[name] ?? 0
        }
    }

    public mutating func add(_ list: [String: Quantity]?) {
        for (name, quantity) in list ?? [:] {
            switch name {
            case Self.cpu: milliCPU += quantity.milliValue
            case Self.memoryName: memory += quantity.int64Value
            case Self.ephemeralStorageName: ephemeralStorage += quantity.int64Value
            case Self.pods: allowedPodNumber += quantity.int64Value
            case "storage": continue
            default: scalar[name, default: 0] += quantity.int64Value
            }
        }
    }

    public mutating func add(_ other: ResourceAmounts) {
        milliCPU += other.milliCPU
        memory += other.memory
        ephemeralStorage += other.ephemeralStorage
        allowedPodNumber += other.allowedPodNumber
        for (name, value) in other.scalar { scalar[name, default: 0] += value }
    }

    public mutating func subtract(_ other: ResourceAmounts) {
        milliCPU -= other.milliCPU
        memory -= other.memory
        ephemeralStorage -= other.ephemeralStorage
        allowedPodNumber -= other.allowedPodNumber
        for (name, value) in other.scalar { scalar[name, default: 0] -= value }
    }

    /// Raises every amount to at least `other`'s.
    public mutating func setMax(_ other: ResourceAmounts) {
        milliCPU = max(milliCPU, other.milliCPU)
        memory = max(memory, other.memory)
        ephemeralStorage = max(ephemeralStorage, other.ephemeralStorage)
        allowedPodNumber = max(allowedPodNumber, other.allowedPodNumber)
        for (name, value) in other.scalar { scalar[name] = max(scalar[name] ?? 0, value) }
    }
}

extension ResourceAmounts {
    /// What a pod asks of a node (upstream's `resourcehelper.PodRequests`): the sum of its containers, sidecars
    /// (restartable init containers) included, or more if an init container needs more while it runs alongside
    /// the sidecars started before it; plus the pod overhead.
    ///
    /// With `nonMissing`, a container that does not request cpu or memory counts as the scoring defaults
    /// (100m, 200Mi), as upstream does for spreading and least-allocated scores.
    public static func podRequests(_ spec: PodSpec?, nonMissing: Bool = false) -> ResourceAmounts {
        func requests(_ container: Container) -> ResourceAmounts {
            let list = container.resources?.requests
            var amounts = ResourceAmounts(list)
            if nonMissing {
                if list?[cpu] == nil { amounts.milliCPU = defaultMilliCPURequest }
                if list?[memoryName] == nil { amounts.memory = defaultMemoryRequest }
            }
            return amounts
        }
        var total = ResourceAmounts()
        for container in spec?.containers ?? [] { total.add(requests(container)) }
        var sidecars = ResourceAmounts()
        var initPeak = ResourceAmounts()
        for container in spec?.initContainers ?? [] {
            var needed = requests(container)
            if container.restartPolicy == "Always" {
                // A sidecar keeps running next to the app containers, and next to every later init container.
                total.add(needed)
                sidecars.add(needed)
                needed = sidecars
            } else {
                needed.add(sidecars)
            }
            initPeak.setMax(needed)
        }
        total.setMax(initPeak)
        total.add(ResourceAmounts(spec?.overhead))
        return total
    }
}
