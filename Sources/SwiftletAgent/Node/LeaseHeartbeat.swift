import Foundation
import Logging
import SwiftletAPI
import SwiftletClient

/// Keeps one node's Lease in `kube-node-lease` renewed, as kubelet's node lease controller: the lease is
/// owned by the Node (so it goes with it), held by the node's name, 40 s long, renewed every 10 s.
public actor LeaseHeartbeat {
    public static let namespace = "kube-node-lease"
    let leases: ResourceClient<Lease>
    let nodeName: String
    let nodeUID: String?
    let durationSeconds: Int32
    let logger: Logger
    /// The lease as last written, so a renewal is one update, not a read and a write.
    var cached: Lease?

    public init(transport: any APITransport, nodeName: String, nodeUID: String?, durationSeconds: Int32 = 40, logger: Logger) {
        leases = ResourceClient<Lease>(transport: transport)
        self.nodeName = nodeName
        self.nodeUID = nodeUID
        self.durationSeconds = durationSeconds
        self.logger = logger
    }

    /// Renews the lease now, creating it when missing.
    public func renew() async throws {
        let now = MicroTime.now()
        if var lease = cached {
            lease.spec?.renewTime = now
            do {
                cached = try await leases.update(lease)
                return
            } catch let error as APIError where error.reason == .conflict || error.reason == .notFound {
                cached = nil
            }
        }
        do {
            var lease = try await leases.get(nodeName, namespace: Self.namespace)
            var spec = lease.spec ?? LeaseSpec()
            spec.holderIdentity = nodeName
            spec.leaseDurationSeconds = durationSeconds
            spec.renewTime = now
            lease.spec = spec
            cached = try await leases.update(lease)
        } catch let error as APIError where error.reason == .notFound {
            let owner = nodeUID.map { [OwnerReference(apiVersion: "v1", kind: "Node", name: nodeName, uid: $0)] }
            let lease = Lease(metadata: ObjectMeta(name: nodeName, namespace: Self.namespace, ownerReferences: owner),
                              spec: LeaseSpec(holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime: now))
            cached = try await leases.create(lease, namespace: Self.namespace)
        }
    }

    /// Renews every `interval` until cancelled; failures are retried at the next tick (kubelet retries sooner,
    /// with backoff, up to the lease duration).
    public func run(interval: Duration = .seconds(10)) async {
        while !Task.isCancelled {
            do {
                try await renew()
            } catch {
                logger.warning("cannot renew node lease", metadata: ["node": "\(nodeName)", "error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
