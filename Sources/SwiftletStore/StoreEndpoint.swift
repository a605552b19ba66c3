/// Which backend a `--datastore-endpoint` names.
public enum StoreEndpoint: Sendable, Equatable {
    /// `sqlite:///ABSOLUTE/PATH`, `sqlite://RELATIVE/PATH` (under the data dir) or `sqlite://` (the default file).
    case sqlite(path: String)
    /// `memory://`: nothing is persisted.
    case memory
    // `etcd://HOST:PORT,…` will be a case here once the etcd backend exists.

    /// Parses `endpoint`; an empty one means the default SQLite file in `dataDir`.
    public init(parsing endpoint: String, dataDir: String) throws(StoreError) {
        if endpoint.isEmpty {
            self = .sqlite(path: Self.defaultSQLitePath(dataDir: dataDir))
            return
        }
        guard let separator = endpoint.range(of: "://") else {
            throw .unsupportedEndpoint(endpoint: endpoint, reason: "expected SCHEME://…, such as sqlite:///var/lib/swiftlet/db/state.db or memory://")
        }
        let scheme = endpoint[..<separator.lowerBound].lowercased()
        var rest = String(endpoint[separator.upperBound...])
        if let query = rest.firstIndex(of: "?") {
            // kine-style DSN options (`?_journal=WAL`) are settled by the backend itself.
            rest = String(rest[..<query])
        }
        switch scheme {
        case "sqlite", "sqlite3":
            if rest.isEmpty {
                self = .sqlite(path: Self.defaultSQLitePath(dataDir: dataDir))
            } else if rest.hasPrefix("/") {
                self = .sqlite(path: rest)
            } else {
                self = .sqlite(path: Self.join(dataDir, rest))
            }
        case "memory":
            self = .memory
        case "etcd", "etcds", "http", "https", "unix", "unixs":
            throw .unsupportedEndpoint(endpoint: endpoint, reason: "the etcd backend is not available yet; use sqlite:// or memory://")
        default:
            throw .unsupportedEndpoint(endpoint: endpoint, reason: "unknown scheme \(scheme); expected sqlite:// or memory://")
        }
    }

    /// `<dataDir>/db/state.db`, as k3s.
    public static func defaultSQLitePath(dataDir: String) -> String {
        join(join(dataDir, "db"), "state.db")
    }

    private static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
