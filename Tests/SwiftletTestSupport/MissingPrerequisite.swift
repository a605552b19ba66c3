/// Something a test needs that the machine lacks (containerd, root, a package): the test fails saying what.
public struct MissingPrerequisite: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}
