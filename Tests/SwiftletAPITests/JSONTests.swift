import Testing
@testable import SwiftletAPI

@Suite struct JSONTests {
    @Test func keepsKeyOrderAndIntegerness() throws {
        let text = #"{"kind":"Pod","apiVersion":"v1","n":1,"f":1.5,"big":1e21,"neg":-0.25,"arr":[true,false,null],"s":"a\"b\\c\n\u00e9"}"#
        let value = try JSONParser.parse(text)
        #expect(value["n"] == .int(1))
        #expect(value["f"] == .double(1.5))
        #expect(value.objectValue?.keys.elementsEqual(["kind", "apiVersion", "n", "f", "big", "neg", "arr", "s"]) == true)
        #expect(value["s"]?.stringValue == "a\"b\\c\né")
        let round = try JSONParser.parse(JSONSerializer.string(value))
        #expect(round == value)
    }

    @Test func writesLikeGo() {
        #expect(JSONSerializer.string(["a": "<&>"]) == #"{"a":"\u003c\u0026\u003e"}"#)
        #expect(JSONSerializer.string(.double(100)) == "100")
        #expect(JSONSerializer.string(.double(0.5)) == "0.5")
        #expect(JSONSerializer.string(["x": .array([]), "y": .object([:])]) == #"{"x":[],"y":{}}"#)
        #expect(JSONSerializer.serialize(["a": 1], newline: true).last == 0x0A)
    }

    @Test(arguments: [
        ("{", "unexpected end of JSON input"),
        (#"{"a" 1}"#, "after object key"),
        ("[1,]", "looking for beginning of value"),
        (#"{"a":1}x"#, "after top-level value"),
        ("tru", "unexpected end of JSON input"),
        (#""\q""#, "in string escape code"),
    ])
    func malformedInputIsAnErrorNotACrash(input: String, message: String) {
        #expect {
            _ = try JSONParser.parse(input)
        } throws: { error in
            (error as? JSONSyntaxError)?.message.contains(message) == true
        }
    }

    @Test func reportsDuplicateKeysWithTheirPath() throws {
        let (_, duplicates) = try JSONParser.parseReportingDuplicates(Array(#"{"metadata":{"name":"a","name":"b"},"x":1,"x":2}"#.utf8))
        #expect(duplicates == ["metadata.name", "x"])
    }

    @Test func deepNestingIsRejected() {
        let deep = String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000)
        #expect(throws: JSONSyntaxError.self) { _ = try JSONParser.parse(deep) }
    }

    @Test func surrogatePairsDecode() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONParser.parse(#""\ud83d""#) == .string("\u{FFFD}"))
    }
}
