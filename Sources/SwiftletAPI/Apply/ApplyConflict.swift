/// One field an apply would change that another manager owns.
public struct ApplyConflict: Sendable, Hashable, CustomStringConvertible {
    public var manager: ManagerIdentity
    public var path: FieldPath

    public init(manager: ManagerIdentity, path: FieldPath) {
        self.manager = manager
        self.path = path
    }

    /// `details.causes[].message` of the 409: `conflict with "m" using apps/v1`.
    public var message: String { "conflict with \(manager)" }

    /// `details.causes[].field` of the 409: `.spec.replicas`.
    public var field: String { path.description }

    public var description: String { "\(message): \(field)" }

    /// Upstream's apply conflict message: `Apply failed with 1 conflict: conflict with "m" using apps/v1: .spec.replicas`,
    /// or, for more, one `conflicts with …:` line per manager (sorted) followed by `- path` lines.
    public static func message(for conflicts: [ApplyConflict]) -> String {
        if conflicts.count == 1 {
            return "Apply failed with 1 conflict: \(conflicts[0].description)"
        }
        var order: [String] = []
        var byManager: [String: (ManagerIdentity, [FieldPath])] = [:]
        for conflict in conflicts {
            let key = conflict.manager.identifier
            if byManager[key] == nil {
                order.append(key)
                byManager[key] = (conflict.manager, [])
            }
            byManager[key]!.1.append(conflict.path)
        }
        var lines: [String] = []
        for key in order.sorted(by: goStringLess) {
            let (manager, paths) = byManager[key]!
            lines.append("conflicts with \(manager):")
            lines.append(contentsOf: paths.map { "- \($0)" })
        }
        return "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
    }
}
