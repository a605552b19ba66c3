import Collections

extension JSONPatch {
    /// One step of a JSON patch, such as `{"op": "add", "path": "/metadata/labels/app", "value": "web"}`.
    ///
    /// The members are kept as sent, because upstream words its errors by what was missing or mistyped.
    public struct Operation: Sendable, Hashable {
        public var fields: JSONObject

        public init(fields: JSONObject) {
            self.fields = fields
        }

        public static func add(_ path: String, _ value: JSONValue) -> Operation {
            Operation(fields: ["op": "add", "path": .string(path), "value": value])
        }

        public static func remove(_ path: String) -> Operation {
            Operation(fields: ["op": "remove", "path": .string(path)])
        }

        public static func replace(_ path: String, _ value: JSONValue) -> Operation {
            Operation(fields: ["op": "replace", "path": .string(path), "value": value])
        }

        public static func move(from: String, to path: String) -> Operation {
            Operation(fields: ["op": "move", "from": .string(from), "path": .string(path)])
        }

        public static func copy(from: String, to path: String) -> Operation {
            Operation(fields: ["op": "copy", "from": .string(from), "path": .string(path)])
        }

        public static func test(_ path: String, _ value: JSONValue) -> Operation {
            Operation(fields: ["op": "test", "path": .string(path), "value": value])
        }

        /// The `op` member, or `unknown` when it is missing or not a string (as upstream reports it).
        public var kind: String {
            fields["op"]?.stringValue ?? "unknown"
        }

        /// The `value` member as it is added: a missing one adds `null`, as upstream does.
        var value: JSONValue {
            fields["value"] ?? .null
        }

        /// The `path` member, or the text upstream wraps into its "failed to decode path" errors.
        func path() -> Result<String, PatchError> {
            pointer(named: "path", missing: "operation missing path field: missing value")
        }

        /// The `from` member, like `path()`.
        func from() -> Result<String, PatchError> {
            pointer(named: "from", missing: "operation, missing from field: missing value")
        }

        private func pointer(named name: String, missing: String) -> Result<String, PatchError> {
            switch fields[name] {
            case nil, .null?:
                return .failure(PatchError(.unprocessable, missing))
            case .string(let s)?:
                return .success(s)
            case let other?:
                return .failure(PatchError(.unprocessable, "json: cannot unmarshal \(other.typeName) into Go value of type string"))
            }
        }
    }
}
