/// A path to one field of an object, such as `.spec.containers[name="nginx"].image`.
public struct FieldPath: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public var elements: [FieldPathElement]

    public init(_ elements: [FieldPathElement]) {
        self.elements = elements
    }

    public init(arrayLiteral elements: FieldPathElement...) {
        self.elements = elements
    }

    /// A path of struct fields and map keys only: `FieldPath(fields: "spec", "replicas")`.
    public init(fields: String...) {
        self.elements = fields.map { .field($0) }
    }

    /// Upstream's `Path.String()`, as conflict messages and `details.causes[].field` print it.
    public var description: String { elements.map(\.description).joined() }

    public func appending(_ element: FieldPathElement) -> FieldPath {
        FieldPath(elements + [element])
    }

    public static func < (lhs: FieldPath, rhs: FieldPath) -> Bool {
        for (a, b) in zip(lhs.elements, rhs.elements) {
            let c = FieldPathElement.compare(a, b)
            if c != 0 { return c < 0 }
        }
        return lhs.elements.count < rhs.elements.count
    }
}
