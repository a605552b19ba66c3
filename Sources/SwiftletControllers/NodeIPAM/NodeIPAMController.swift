import Logging
import SwiftletAPI
import SwiftletClient
import Synchronization

/// Gives every Node a `spec.podCIDR` from the cluster CIDR and takes it back when the Node is deleted —
/// upstream's nodeipam controller with the range allocator.
public final class NodeIPAMController: Sendable {
    let nodes: ResourceClient<Node>
    let nodeInformer: Informer<Node>
    let allocator: Mutex<NodeCIDRAllocator>
    let queue = WorkQueue<String>()
    let events: EventRecorder
    let logger: Logger

    public init(transport: any APITransport, informers: SharedInformerFactory, clusterCIDR: IPv4CIDR, nodeCIDRMaskSize: Int,
                logger: Logger) throws(NodeCIDRAllocator.Failure) {
        nodes = ResourceClient<Node>(transport: transport)
        nodeInformer = informers.informer(for: Node.self)
        allocator = Mutex(try NodeCIDRAllocator(clusterCIDR: clusterCIDR, maskSize: nodeCIDRMaskSize))
        events = EventRecorder(transport: transport, component: "node-ipam-controller", logger: logger)
        self.logger = logger
    }

    public func run() async {
        guard await nodeInformer.waitForSync() else { return }
        // Everything already handed out is taken before anything new is allocated.
        for node in nodeInformer.indexer.list() {
            for cidr in Self.cidrs(of: node) { occupy(cidr, node: node) }
        }
        _ = nodeInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [queue] node in if Self.cidrs(of: node).isEmpty { queue.add(node.key) } },
            onUpdate: { [queue] _, node in if Self.cidrs(of: node).isEmpty { queue.add(node.key) } },
            onDelete: { [weak self] deleted in
                guard let self else { return }
                for cidr in Self.cidrs(of: deleted.object) {
                    do { try self.allocator.withLock { try $0.release(cidr) } } catch {
                        self.logger.warning("cannot release pod CIDR", metadata: ["cidr": "\(cidr)", "error": "\(error)"])
                    }
                }
            }))
        await queue.runWorkers(4, logger: logger, what: "node CIDR allocation") { [self] key in try await self.sync(key) }
    }

    static func cidrs(of node: Node) -> [String] {
        if let all = node.spec?.podCIDRs, !all.isEmpty { return all }
        if let one = node.spec?.podCIDR, !one.isEmpty { return [one] }
        return []
    }

    private func occupy(_ cidr: String, node: Node) {
        do { try allocator.withLock { try $0.occupy(cidr) } } catch {
            logger.warning("node has a pod CIDR outside the cluster CIDR", metadata: ["node": "\(node.key)", "cidr": "\(cidr)"])
        }
    }

    func sync(_ key: String) async throws {
        guard let node = nodeInformer.indexer.get(key: key), node.metadata?.deletionTimestamp == nil,
              Self.cidrs(of: node).isEmpty else { return }
        let cidr: IPv4CIDR
        do {
            cidr = try allocator.withLock { try $0.allocate() }
        } catch {
            events.record(node, type: "Normal", reason: "CIDRNotAvailable",
                          message: "Node \(key) status is now: CIDRNotAvailable")
            queue.addAfter(key, delay: .seconds(30))
            return
        }
        let text = cidr.description
        do {
            _ = try await nodes.patch(key, type: .strategicMerge,
                                      body: ["spec": ["podCIDR": .string(text), "podCIDRs": [.string(text)]]])
            logger.debug("allocated pod CIDR", metadata: ["node": "\(key)", "cidr": "\(text)"])
        } catch {
            try? allocator.withLock { try $0.release(text) }
            throw error
        }
    }
}
