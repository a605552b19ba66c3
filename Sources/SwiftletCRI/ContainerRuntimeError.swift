/// The one error type of `ContainerRuntime`: what went wrong, which call it was, and the runtime's own words.
public struct ContainerRuntimeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; extensible, so callers match the ones they handle.
    public struct Code: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The sandbox, container or image does not exist.
        public static let notFound = Code(rawValue: "notFound")
        /// Something with that name already exists.
        public static let alreadyExists = Code(rawValue: "alreadyExists")
        /// The runtime cannot be reached (not running, socket missing, connection dropped).
        public static let unavailable = Code(rawValue: "unavailable")
        /// The request was malformed or names something unusable.
        public static let invalid = Code(rawValue: "invalid")
        /// The object is in a state that does not allow the call (starting a running container).
        public static let conflict = Code(rawValue: "conflict")
        /// The runtime does not implement the call.
        public static let unsupported = Code(rawValue: "unsupported")
        /// The runtime refused the caller.
        public static let forbidden = Code(rawValue: "forbidden")
        /// The call ran out of time.
        public static let timeout = Code(rawValue: "timeout")
        /// The calling task was cancelled.
        public static let cancelled = Code(rawValue: "cancelled")
        /// Anything else the runtime reported.
        public static let `internal` = Code(rawValue: "internal")
    }

    public var code: Code
    /// The call that failed (`RunPodSandbox`, `images import` …).
    public var operation: String
    public var message: String

    public init(_ code: Code, operation: String, message: String) {
        self.code = code
        self.operation = operation
        self.message = message
    }

    public var description: String { "\(operation): \(code): \(message)" }
}
