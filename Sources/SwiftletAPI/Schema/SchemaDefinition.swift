import Collections
import OrderedCollections  // a default argument below uses its literal initializer, which needs a direct import

/// Group, version and kind of an API type, such as `apps/v1 Deployment` (core has the empty group).
public struct GroupVersionKind: Sendable, Hashable, Codable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var kind: String

    public init(group: String, version: String, kind: String) {
        self.group = group
        self.version = version
        self.kind = kind
    }

    /// `v1` for core, `apps/v1` otherwise.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    public var description: String { "\(apiVersion), Kind=\(kind)" }
}

/// The type of a field as the upstream definitions describe it.
public indirect enum SchemaType: Sendable, Hashable {
    /// A string; `format` is the upstream format (`date-time`, `byte` …) when there is one.
    case string(format: String?)
    /// An integer; `format` is `int32` or `int64`.
    case integer(format: String?)
    case number(format: String?)
    case boolean
    /// `x-kubernetes-int-or-string`: a port number or name, a percentage.
    case intOrString
    /// A resource quantity (`500m`, `128Mi`), written as a string, also accepted as a number.
    case quantity
    /// A named definition, such as `io.k8s.api.core.v1.PodSpec`.
    case reference(String)
    /// A list whose elements have the given schema.
    case array(SchemaProperty)
    /// A map from strings to values of the given schema (`additionalProperties`).
    case map(SchemaProperty)
    /// Any JSON object whose fields are not described (RawExtension, FieldsV1).
    case object
    /// Any JSON value.
    case any
}

/// One field: its type plus what strategic merge patch, server-side apply and validation need to know.
public struct SchemaProperty: Sendable, Hashable {
    public var type: SchemaType
    /// `true` when `null` is an accepted value.
    public var nullable: Bool
    /// The values upstream lists for a string enum.
    public var enumValues: [String]?
    /// `x-kubernetes-patch-strategy`: `merge`, `replace`, `retainKeys` or `merge,retainKeys`.
    public var patchStrategy: String?
    /// `x-kubernetes-patch-merge-key`: the key identifying list elements for strategic merge.
    public var patchMergeKey: String?
    /// `x-kubernetes-list-type`: `atomic`, `set` or `map`.
    public var listType: String?
    /// `x-kubernetes-list-map-keys`: the keys of a `map` list.
    public var listMapKeys: [String]?
    /// `x-kubernetes-map-type`: `atomic` or `granular`.
    public var mapType: String?
    /// Swiftlet's own short description; upstream texts are not copied.
    public var description: String?

    public init(
        type: SchemaType, nullable: Bool = false, enumValues: [String]? = nil, patchStrategy: String? = nil,
        patchMergeKey: String? = nil, listType: String? = nil, listMapKeys: [String]? = nil, mapType: String? = nil,
        description: String? = nil
    ) {
        self.type = type
        self.nullable = nullable
        self.enumValues = enumValues
        self.patchStrategy = patchStrategy
        self.patchMergeKey = patchMergeKey
        self.listType = listType
        self.listMapKeys = listMapKeys
        self.mapType = mapType
        self.description = description
    }

    /// Whether the patch strategy names `strategy` (strategies are comma-separated upstream).
    public func hasPatchStrategy(_ strategy: String) -> Bool {
        patchStrategy?.split(separator: ",").contains { $0 == strategy } ?? false
    }
}

/// A named type from the upstream definitions, such as `io.k8s.api.core.v1.Pod`.
public struct SchemaDefinition: Sendable, Hashable {
    /// The full upstream name, such as `io.k8s.api.apps.v1.Deployment`.
    public var name: String
    /// For object types `.object` with `properties`; for named primitives (Quantity, Time …) their type.
    public var type: SchemaType
    /// The fields, in upstream order.
    public var properties: OrderedDictionary<String, SchemaProperty>
    public var required: [String]
    /// `x-kubernetes-group-version-kind`: set on top-level kinds and on the meta types shared by all groups.
    public var groupVersionKinds: [GroupVersionKind]
    /// `x-kubernetes-map-type` on the type itself (for example `atomic` on LabelSelector's requirements).
    public var mapType: String?
    public var description: String?

    public init(
        name: String, type: SchemaType = .object, properties: OrderedDictionary<String, SchemaProperty> = [:],
        required: [String] = [], groupVersionKinds: [GroupVersionKind] = [], mapType: String? = nil,
        description: String? = nil
    ) {
        self.name = name
        self.type = type
        self.properties = properties
        self.required = required
        self.groupVersionKinds = groupVersionKinds
        self.mapType = mapType
        self.description = description
    }
}
