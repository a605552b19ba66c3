import SwiftletClient
import Testing

@Suite struct ControllerExpectationsTests {
    @Test func unknownControllersAreSatisfied() {
        let expectations = ControllerExpectations()
        #expect(expectations.satisfiedExpectations("default/rs"))
        #expect(expectations.expectations("default/rs") == nil)
    }

    @Test func creationsMustAllBeObserved() {
        let expectations = ControllerExpectations()
        expectations.expectCreations("default/rs", count: 2)
        #expect(!expectations.satisfiedExpectations("default/rs"))
        expectations.creationObserved("default/rs")
        #expect(!expectations.satisfiedExpectations("default/rs"))
        expectations.creationObserved("default/rs")
        #expect(expectations.satisfiedExpectations("default/rs"))
        // Observing more than expected stays satisfied.
        expectations.creationObserved("default/rs")
        #expect(expectations.satisfiedExpectations("default/rs"))
    }

    @Test func expectingReplacesEarlierExpectations() {
        let expectations = ControllerExpectations()
        expectations.expectCreations("k", count: 3)
        expectations.expectDeletions("k", count: 1)
        #expect(expectations.expectations("k")! == (0, 1))
        expectations.deletionObserved("k")
        #expect(expectations.satisfiedExpectations("k"))
    }

    @Test func raiseAndLowerOnlyTouchLiveExpectations() {
        let expectations = ControllerExpectations()
        expectations.raiseExpectations("k", add: 2, delete: 0)
        #expect(expectations.expectations("k") == nil)
        expectations.expectCreations("k", count: 1)
        expectations.raiseExpectations("k", add: 2, delete: 1)
        #expect(expectations.expectations("k")! == (3, 1))
        expectations.lowerExpectations("k", add: 3, delete: 1)
        #expect(expectations.satisfiedExpectations("k"))
    }

    @Test func trackedDeletionsCountOnlyTheExpectedObjects() {
        let expectations = ControllerExpectations()
        expectations.expectDeletions("default/rs", objectKeys: ["default/a", "default/b"])
        expectations.deletionObserved("default/rs", objectKey: "default/other")
        #expect(expectations.expectations("default/rs")! == (0, 2))
        expectations.deletionObserved("default/rs", objectKey: "default/a")
        expectations.deletionObserved("default/rs", objectKey: "default/a")
        #expect(expectations.expectations("default/rs")! == (0, 1))
        expectations.deletionObserved("default/rs", objectKey: "default/b")
        #expect(expectations.satisfiedExpectations("default/rs"))
    }

    @Test func expectationsExpireAfterTheTTL() async throws {
        #expect(ControllerExpectations.defaultTTL == .seconds(300))
        let expectations = ControllerExpectations(ttl: .milliseconds(50))
        expectations.expectCreations("k", count: 5)
        #expect(!expectations.satisfiedExpectations("k"))
        try await Task.sleep(for: .milliseconds(80))
        #expect(expectations.satisfiedExpectations("k"))
        // Expired expectations are gone: lowering them does nothing.
        expectations.creationObserved("k")
        #expect(expectations.expectations("k") == nil)
    }

    @Test func deleteForgetsExpectations() {
        let expectations = ControllerExpectations()
        expectations.expectCreations("k", count: 1)
        expectations.deleteExpectations("k")
        #expect(expectations.satisfiedExpectations("k"))
    }
}
