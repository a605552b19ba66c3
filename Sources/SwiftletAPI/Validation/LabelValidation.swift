/// Upstream's name and label rules (`k8s.io/apimachinery/pkg/util/validation`), each returning its problems in upstream's words.
public enum LabelValidation {
    static let dns1123LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    static let dns1123SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let dns1035LabelMessage = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    static let qualifiedNamePartMessage = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    static let labelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

    private static func isLowerAlnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
    private static func isAlnum(_ b: UInt8) -> Bool { isLowerAlnum(b) || (b >= 65 && b <= 90) }

    static func isDNS1123Label(_ s: Substring.UTF8View) -> Bool {
        guard let first = s.first, let last = s.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        return s.allSatisfy { isLowerAlnum($0) || $0 == 45 }
    }

    public static func dns1123LabelProblems(_ s: String) -> [String] {
        var problems: [String] = []
        if s.utf8.count > 63 { problems.append("must be no more than 63 characters") }
        if !isDNS1123Label(Substring(s).utf8) { problems.append(dns1123LabelMessage) }
        return problems
    }

    public static func dns1123SubdomainProblems(_ s: String) -> [String] {
        var problems: [String] = []
        if s.utf8.count > 253 { problems.append("must be no more than 253 characters") }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        if s.isEmpty || !parts.allSatisfy({ isDNS1123Label($0.utf8) }) { problems.append(dns1123SubdomainMessage) }
        return problems
    }

    public static func dns1035LabelProblems(_ s: String) -> [String] {
        var problems: [String] = []
        if s.utf8.count > 63 { problems.append("must be no more than 63 characters") }
        let u = Array(s.utf8)
        let ok = !u.isEmpty && (u[0] >= 97 && u[0] <= 122) && isLowerAlnum(u[u.count - 1]) && u.allSatisfy { isLowerAlnum($0) || $0 == 45 }
        if !ok { problems.append(dns1035LabelMessage) }
        return problems
    }

    private static func isQualifiedNamePart(_ s: Substring) -> Bool {
        let u = Array(s.utf8)
        guard let first = u.first, let last = u.last, isAlnum(first), isAlnum(last) else { return false }
        return u.allSatisfy { isAlnum($0) || $0 == 45 || $0 == 95 || $0 == 46 }
    }

    /// Label and annotation keys: an optional DNS subdomain prefix and `/`, then a name of at most 63 characters.
    public static func qualifiedNameProblems(_ s: String) -> [String] {
        var problems: [String] = []
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                problems.append("prefix part must be non-empty")
            } else {
                problems += dns1123SubdomainProblems(String(prefix)).map { "prefix part " + $0 }
            }
        default:
            return ["a qualified name " + qualifiedNamePartMessage + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            problems.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            problems.append("name part must be no more than 63 characters")
        }
        if !name.isEmpty && !isQualifiedNamePart(name) {
            problems.append("name part " + qualifiedNamePartMessage)
        }
        return problems
    }

    public static func labelValueProblems(_ s: String) -> [String] {
        var problems: [String] = []
        if s.utf8.count > 63 { problems.append("must be no more than 63 characters") }
        if !s.isEmpty && !isQualifiedNamePart(Substring(s)) { problems.append(labelValueMessage) }
        return problems
    }
}
