/// A set of field paths, as structured-merge-diff's `fieldpath.Set`: the paths a manager owns, or that an
/// object sets. A path is a member; its prefixes are only children unless they are members themselves.
public struct FieldSet: Sendable, Hashable, CustomStringConvertible {
    /// Path elements that end a member path at this level.
    var members: Set<FieldPathElement>
    /// Deeper paths, by their first element; never holds an empty set.
    var children: [FieldPathElement: FieldSet]

    public init() {
        members = []
        children = [:]
    }

    public init<Paths: Sequence>(_ paths: Paths) where Paths.Element == FieldPath {
        self.init()
        for path in paths { insert(path) }
    }

    public var isEmpty: Bool { members.isEmpty && children.isEmpty }

    public mutating func insert(_ path: FieldPath) {
        insert(path.elements[...])
    }

    private mutating func insert(_ path: ArraySlice<FieldPathElement>) {
        guard let first = path.first else { return }
        if path.count == 1 {
            members.insert(first)
        } else {
            children[first, default: FieldSet()].insert(path.dropFirst())
        }
    }

    public func contains(_ path: FieldPath) -> Bool {
        var set = self
        for (i, element) in path.elements.enumerated() {
            if i == path.elements.count - 1 { return set.members.contains(element) }
            guard let child = set.children[element] else { return false }
            set = child
        }
        return false
    }

    /// The paths below `element`, without it (upstream's `WithPrefix`).
    public func child(_ element: FieldPathElement) -> FieldSet {
        children[element] ?? FieldSet()
    }

    public func union(_ other: FieldSet) -> FieldSet {
        var result = self
        result.formUnion(other)
        return result
    }

    public mutating func formUnion(_ other: FieldSet) {
        members.formUnion(other.members)
        for (element, set) in other.children {
            children[element, default: FieldSet()].formUnion(set)
        }
    }

    public func intersection(_ other: FieldSet) -> FieldSet {
        var result = FieldSet()
        result.members = members.intersection(other.members)
        for (element, set) in children {
            guard let theirs = other.children[element] else { continue }
            let common = set.intersection(theirs)
            if !common.isEmpty { result.children[element] = common }
        }
        return result
    }

    /// The paths of `self` that are not in `other`, path by path: removing `a` keeps `a.b`.
    public func subtracting(_ other: FieldSet) -> FieldSet {
        var result = FieldSet()
        result.members = members.subtracting(other.members)
        for (element, set) in children {
            let rest = other.children[element].map { set.subtracting($0) } ?? set
            if !rest.isEmpty { result.children[element] = rest }
        }
        return result
    }

    /// Like `subtracting`, but a member of `other` also removes every path below it (upstream's
    /// `RecursiveDifference`, used for the reset fields such as `status`).
    public func recursivelySubtracting(_ other: FieldSet) -> FieldSet {
        var result = FieldSet()
        result.members = members.subtracting(other.members)
        for (element, set) in children where !other.members.contains(element) {
            let rest = other.children[element].map { set.recursivelySubtracting($0) } ?? set
            if !rest.isEmpty { result.children[element] = rest }
        }
        return result
    }

    /// Every member path in upstream's iteration order: this level's members sorted, then each child's.
    public var paths: [FieldPath] {
        var out: [FieldPath] = []
        collect(prefix: [], into: &out)
        return out
    }

    private func collect(prefix: [FieldPathElement], into out: inout [FieldPath]) {
        for element in members.sorted() { out.append(FieldPath(prefix + [element])) }
        for element in children.keys.sorted() {
            children[element]!.collect(prefix: prefix + [element], into: &out)
        }
    }

    /// The set as one path per line, for test failures and logs.
    public var description: String { paths.map(\.description).joined(separator: "\n") }
}
