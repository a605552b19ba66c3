import SwiftletAPI

/// Where the agent's endpoint finds a container's log: the agent's pod workers know the files and whether the
/// container runs.
public protocol ContainerLogSource: Sendable {
    /// The log of the container's current instance (or, with `previous`, the one before); throws `APIError`
    /// (notFound, badRequest) with upstream's wording when there is none.
    func logFile(namespace: String, pod: String, container: String, previous: Bool) async throws(APIError) -> ContainerLogFile
}

/// A container's log file and whether the container still writes to it.
public struct ContainerLogFile: Sendable {
    public var path: String
    public var isRunning: @Sendable () async -> Bool

    public init(path: String, isRunning: @escaping @Sendable () async -> Bool) {
        self.path = path
        self.isRunning = isRunning
    }
}
