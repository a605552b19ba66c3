/// How `swiftlet server` runs its API server: where it keeps data, where it listens, where it writes the kubeconfig.
public struct APIServerConfiguration: Sendable {
    public var dataDir: String
    public var bindAddress: String
    /// 0 takes a free port.
    public var port: Int
    public var kubeconfigPath: String?
    /// `sqlite:///PATH` (default: the data dir's database) or `memory://`.
    public var datastoreEndpoint: String
    public var serviceCIDR: String
    public var clusterCIDR: String
    /// How often old revisions are compacted away.
    public var compactionInterval: Duration
    /// Admission settings (`--default-not-ready-toleration-seconds`, `--default-unreachable-toleration-seconds`).
    public var admission: AdmissionOptions

    public init(dataDir: String = "/var/lib/swiftlet", bindAddress: String = "127.0.0.1", port: Int = 6443,
                kubeconfigPath: String? = nil, datastoreEndpoint: String = "", serviceCIDR: String = "10.43.0.0/16",
                clusterCIDR: String = "10.42.0.0/16", compactionInterval: Duration = .seconds(300), admission: AdmissionOptions = AdmissionOptions()) {
        self.dataDir = dataDir
        self.bindAddress = bindAddress
        self.port = port
        self.kubeconfigPath = kubeconfigPath
        self.datastoreEndpoint = datastoreEndpoint
        self.serviceCIDR = serviceCIDR
        self.clusterCIDR = clusterCIDR
        self.compactionInterval = compactionInterval
        self.admission = admission
    }
}
