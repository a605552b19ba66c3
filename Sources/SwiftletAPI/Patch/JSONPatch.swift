import Collections

/// JSON patch (RFC 6902, `application/json-patch+json`) with the semantics and error texts of
/// evanphx/json-patch v4, which kube-apiserver v1.32 uses.
///
/// Upstream quirks kept on purpose: negative array indices count from the end, `replace` of a missing object
/// key adds it, `copy` of a missing key copies `null`, and `test` treats a missing member like `null`.
public struct JSONPatch: Sendable, Hashable {
    public var operations: [Operation]

    /// kube-apiserver's `maxJSONPatchOperations`.
    public static let maximumOperations = 10_000

    public init(operations: [Operation]) {
        self.operations = operations
    }

    /// Decodes a patch document, which must be a JSON array of operation objects (`null` is an empty patch).
    public init(document: JSONValue) throws(PatchError) {
        switch document {
        case .null:
            operations = []
        case .array(let elements):
            var operations: [Operation] = []
            operations.reserveCapacity(elements.count)
            for element in elements {
                switch element {
                case .object(let fields): operations.append(Operation(fields: fields))
                case .null: operations.append(Operation(fields: [:]))
                default:
                    throw PatchError(.badRequest,
                                     "json: cannot unmarshal \(element.typeName) into Go value of type jsonpatch.Operation")
                }
            }
            guard operations.count <= Self.maximumOperations else {
                throw PatchError(.tooManyOperations, "The allowed maximum operations in a JSON patch is "
                                 + "\(Self.maximumOperations), got \(operations.count)")
            }
            self.operations = operations
        default:
            throw PatchError(.badRequest, "json: cannot unmarshal \(document.typeName) into Go value of type jsonpatch.Patch")
        }
    }

    /// Parses and decodes a request body.
    public init<Bytes: Collection>(parsing body: Bytes) throws(PatchError) where Bytes.Element == UInt8 {
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            throw PatchError(.badRequest, error.message)
        }
        try self.init(document: document)
    }

    /// Applies every operation in order; the first failing one fails the whole patch.
    public func apply(to document: JSONValue) throws(PatchError) -> JSONValue {
        guard document.isContainer else {
            throw PatchError(.internalError, "json: cannot unmarshal \(document.typeName) into Go value of type jsonpatch.partialDoc")
        }
        var target = JSONPatchTarget(root: document)
        for operation in operations {
            switch operation.kind {
            case "add": try target.add(operation)
            case "remove": try target.remove(operation)
            case "replace": try target.replace(operation)
            case "move": try target.move(operation)
            case "copy": try target.copy(operation)
            case "test": try target.test(operation)
            case let kind: throw PatchError(.unprocessable, "Unexpected kind: \(kind)")
            }
        }
        return target.root
    }
}

extension JSONValue {
    var isContainer: Bool {
        switch self {
        case .object, .array: return true
        default: return false
        }
    }
}
