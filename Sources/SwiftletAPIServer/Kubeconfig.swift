import Foundation

/// Writes the kubeconfig clients use to reach this server (mode 0600, as it grants full access).
public enum Kubeconfig {
    public static func contents(server: String) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - cluster:
            server: \(server)
          name: swiftlet
        contexts:
        - context:
            cluster: swiftlet
            user: admin
          name: swiftlet
        current-context: swiftlet
        preferences: {}
        users:
        - name: admin
          user: {}

        """
    }

    public static func write(server: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = path + ".tmp"
        _ = FileManager.default.createFile(atPath: temporary, contents: Data(contents(server: server).utf8),
                                       attributes: [.posixPermissions: 0o600])
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }
}
