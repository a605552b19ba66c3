import Testing
@testable import SwiftletAPI

@Suite struct SelectorTests {
    static let labels = ["app": "web", "tier": "frontend", "version": "3"]

    @Test(arguments: [
        ("app=web", true), ("app==web", true), ("app!=web", false), ("app in (web,api)", true), ("app notin (web)", false),
        ("tier", true), ("!tier", false), ("missing", false), ("!missing", true), ("app=web,tier=backend", false),
        ("version>2", true), ("version<2", false), ("", true), ("missing!=x", true),
    ])
    func labelSelectorMatches(selector: String, expected: Bool) throws {
        #expect(try LabelSelector.parse(selector).matches(Self.labels) == expected)
    }

    @Test(arguments: ["app=", "app in web", "app in (web", "=web", "app=we b", "a/b/c=d"])
    func labelSelectorSyntaxErrors(selector: String) {
        if selector == "app=" {
            // An empty value is valid upstream.
            #expect((try? LabelSelector.parse(selector)) != nil)
            return
        }
        #expect(throws: SelectorParseError.self) { _ = try LabelSelector.parse(selector) }
    }

    @Test func metaLabelSelector() throws {
        let selector = try LabelSelector.from(["matchLabels": ["app": "web"],
                                               "matchExpressions": [["key": "tier", "operator": "In", "values": ["frontend"]]]])
        #expect(selector.matches(Self.labels))
        #expect(!selector.matches(["app": "web"]))
        #expect(try LabelSelector.from(nil).matches(Self.labels) == false)
        #expect(try LabelSelector.from(.object([:])).matches(Self.labels))
    }

    @Test func fieldSelector() throws {
        let s = try FieldSelector.parse("metadata.name=a,status.phase!=Running")
        #expect(s.matches(["metadata.name": "a", "status.phase": "Pending"]))
        #expect(!s.matches(["metadata.name": "a", "status.phase": "Running"]))
        #expect(s.requiredValue(for: "metadata.name") == "a")
        #expect(throws: SelectorParseError.self) { _ = try FieldSelector.parse("metadata.name") }
    }

    @Test(arguments: [
        ("my-name", true), ("a", true), ("-a", false), ("A", false), ("a.b", false), (String(repeating: "a", count: 64), false),
    ])
    func dns1123Labels(name: String, valid: Bool) {
        #expect(LabelValidation.dns1123LabelProblems(name).isEmpty == valid)
    }

    @Test func upstreamWording() {
        #expect(LabelValidation.dns1123SubdomainProblems("Bad_Name") == [
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ])
        #expect(LabelValidation.qualifiedNameProblems("example.com/ok").isEmpty)
        #expect(LabelValidation.qualifiedNameProblems("/x") == ["prefix part must be non-empty"])
        #expect(LabelValidation.labelValueProblems("").isEmpty)
    }

    @Test func fieldErrorsPrintAsUpstream() {
        #expect(FieldError.required("spec.containers[0].image").description == "spec.containers[0].image: Required value")
        #expect(FieldError.invalid("spec.replicas", Int64(-1), "must be greater than or equal to 0").description
                == "spec.replicas: Invalid value: -1: must be greater than or equal to 0")
        #expect(FieldError.notSupported("spec.restartPolicy", "Sometimes", ["Always", "OnFailure", "Never"]).description
                == #"spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never""#)
        let e = APIError.invalid(kind: "Pod", group: "", name: "p", errors: [.required("a"), .required("b")])
        #expect(e.message == #"Pod "p" is invalid: [a: Required value, b: Required value]"#)
        #expect(e.code == 422)
    }
}
