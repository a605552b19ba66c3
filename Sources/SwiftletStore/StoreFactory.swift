import Logging

/// Opens the backend a datastore endpoint names.
public enum StoreFactory {
    /// Opens `endpoint` (see `StoreEndpoint`); an empty endpoint is `<dataDir>/db/state.db`.
    ///
    /// Throws `unsupportedEndpoint` for a scheme without a backend and `internal` when the file
    /// cannot be opened.
    public static func open(
        endpoint: String,
        dataDir: String,
        options: StoreOptions = StoreOptions(),
        logger: Logger = Logger(label: "swiftlet.store")
    ) async throws -> any StoreBackend {
        switch try StoreEndpoint(parsing: endpoint, dataDir: dataDir) {
        case .sqlite(let path):
            return try await SQLiteBackend.open(path: path, options: options, logger: logger)
        case .memory:
            logger.info("Using the in-memory store; nothing will be persisted")
            return MemoryBackend(options: options, logger: logger)
        }
    }
}
