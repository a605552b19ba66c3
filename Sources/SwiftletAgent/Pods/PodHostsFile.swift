import Foundation
import SwiftletAPI

/// The `/etc/hosts` kubelet writes for a pod and mounts into each of its containers: localhost entries, the
/// pod's own name (with its subdomain's fully qualified name when `spec.subdomain` is set) on its IP, and the
/// pod's `hostAliases`. A host-network pod gets the node's own hosts file and its aliases instead.
struct PodHostsFile: Sendable {
    static let managedHeader = "# Kubernetes-managed hosts file.\n"
    static let hostNetworkHeader = "# Kubernetes-managed hosts file (host network).\n"

    let pod: Pod
    let clusterDomain: String

    /// The pod's host name (`spec.hostname` or its name, at most 63 characters, as kubelet truncates it) and its
    /// domain (`<subdomain>.<namespace>.svc.<cluster domain>` when it has a subdomain).
    var hostnameAndDomain: (hostname: String, domain: String?) {
        var hostname = pod.spec?.hostname.flatMap { $0.isEmpty ? nil : $0 } ?? pod.metadata?.name ?? ""
        if hostname.count > 63 {
            hostname = String(hostname.prefix(63))
            while let last = hostname.last, last == "-" || last == "." { hostname.removeLast() }
        }
        guard let subdomain = pod.spec?.subdomain, !subdomain.isEmpty else { return (hostname, nil) }
        return (hostname, "\(subdomain).\(pod.metadata?.namespace ?? "default").svc.\(clusterDomain)")
    }

    /// The name the sandbox's UTS namespace gets: the fully qualified one with `setHostnameAsFQDN`.
    var sandboxHostname: String {
        let (hostname, domain) = hostnameAndDomain
        if pod.spec?.setHostnameAsFQDN == true, let domain { return String("\(hostname).\(domain)".prefix(64)) }
        return hostname
    }

    /// The file's content for a pod with `podIPs`; `nodeHosts` is the node's `/etc/hosts` for host-network pods.
    func content(podIPs: [String], nodeHosts: String?) -> String {
        if pod.spec?.hostNetwork == true {
            var text = Self.hostNetworkHeader + (nodeHosts ?? "")
            if !text.hasSuffix("\n") { text += "\n" }
            return text + aliasEntries
        }
        var text = Self.managedHeader
        text += "127.0.0.1\tlocalhost\n"
        text += "::1\tlocalhost ip6-localhost ip6-loopback\n"
        text += "fe00::0\tip6-localnet\n"
        text += "fe00::0\tip6-mcastprefix\n"
        text += "fe00::1\tip6-allnodes\n"
        text += "fe00::2\tip6-allrouters\n"
        let (hostname, domain) = hostnameAndDomain
        for ip in podIPs where !ip.isEmpty {
            if let domain {
                text += "\(ip)\t\(hostname).\(domain)\t\(hostname)\n"
            } else {
                text += "\(ip)\t\(hostname)\n"
            }
        }
        return text + aliasEntries
    }

    private var aliasEntries: String {
        guard let aliases = pod.spec?.hostAliases, !aliases.isEmpty else { return "" }
        var text = "\n# Entries added by HostAliases.\n"
        for alias in aliases {
            guard let ip = alias.ip else { continue }
            text += "\(ip)\t\((alias.hostnames ?? []).joined(separator: "\t"))\n"
        }
        return text
    }

    /// Writes the file at `path` when its content changed, in place: running containers have it bind-mounted,
    /// and a new inode would not reach them.
    static func write(_ content: String, to path: String) throws {
        let data = Data(content.utf8)
        if FileManager.default.contents(atPath: path) == data { return }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
    }
}
