import Testing
@testable import SwiftletAPI

@Suite struct QuantityTests {
    @Test(arguments: [
        ("500m", "500m", Int64(500)), ("0.5", "500m", 500), ("1", "1", 1000), ("1000m", "1", 1000), ("2k", "2k", 2_000_000),
        ("128Mi", "128Mi", 134_217_728_000), ("1.5Gi", "1536Mi", 1_610_612_736_000), ("1e3", "1e3", 1_000_000),
        ("100n", "100n", 1), ("0", "0", 0), ("1024", "1024", 1_024_000),
    ])
    func canonicalFormAndMilliValue(input: String, canonical: String, milli: Int64) throws {
        let q = try #require(Quantity(input))
        #expect(q.description == canonical)
        #expect(q.milliValue == milli)
    }

    @Test(arguments: ["", "abc", "1.2.3", "5Q", "--1", "1e", "."])
    func rejectsWhatIsNotAQuantity(input: String) {
        #expect(Quantity(input) == nil)
    }

    @Test func comparesByValue() throws {
        #expect(try #require(Quantity("1")) == #require(Quantity("1000m")))
        #expect(try #require(Quantity("1Ki")) > #require(Quantity("1k")))
        #expect(try #require(Quantity("128Mi")).int64Value == 134_217_728)
    }

    @Test func intOrStringScales() {
        #expect(IntOrString.string("25%").scaledValue(total: 10, roundUp: true) == 3)
        #expect(IntOrString.string("25%").scaledValue(total: 10, roundUp: false) == 2)
        #expect(IntOrString.int(4).scaledValue(total: 10, roundUp: false) == 4)
        #expect(IntOrString.string("x").scaledValue(total: 10, roundUp: false) == nil)
    }

    @Test func rfc3339RoundTrips() throws {
        let date = try #require(RFC3339.parse("2024-01-02T15:04:05Z"))
        #expect(RFC3339.format(date, fractionalDigits: 0) == "2024-01-02T15:04:05Z")
        #expect(RFC3339.format(date, fractionalDigits: 6) == "2024-01-02T15:04:05.000000Z")
        #expect(RFC3339.parse("2024-01-02T17:04:05+02:00") == date)
        #expect(RFC3339.parse("2024-13-02T15:04:05Z") == nil)
        #expect(RFC3339.parse("yesterday") == nil)
    }
}
