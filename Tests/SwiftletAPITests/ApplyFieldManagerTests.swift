import Foundation
import Testing

@testable import SwiftletAPI

@Suite("Server-side apply: managed fields on updates")
struct ApplyFieldManagerTests {
    typealias F = ApplyFixtures
    let kind = ApplyFixtures.deploymentKind

    func created(uid: String? = nil) -> JSONValue {
        var new = F.deployment()
        if let uid { new.set(path: ["metadata", "uid"], to: .string(uid)) }
        return FieldManager.update(old: nil, new: new, manager: "kubectl-create", kind: kind, now: F.t1)
    }

    @Test func createMakesAnUpdateEntryForTheCreator() throws {
        let object = created()
        let entries = try #require(object[path: ["metadata", "managedFields"]]?.arrayValue)
        #expect(entries.count == 1)
        let expected = try JSONParser.parse(
            #"{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1","time":"2023-11-14T22:13:20Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{".":{},"f:metadata":{".":{},"f:labels":{".":{},"f:app":{}}},"f:spec":{".":{},"f:containers":{".":{},"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}}}}}}}"#)
        #expect(JSONSerializer.string(entries[0]) == JSONSerializer.string(expected))
        // The rest of the object is as written.
        var withoutFields = object
        withoutFields.removeManagedFields()
        #expect(withoutFields == F.deployment())
    }

    @Test func changedFieldsMoveToTheWriterAndRemovedOnesLeaveEverySet() throws {
        let a = created()
        var scaled = a
        scaled.set(path: ["spec", "replicas"], to: 3)
        let b = FieldManager.update(old: a, new: scaled, manager: "scaler", kind: kind, now: F.t2)
        #expect(F.managers(b) == ["kubectl-create/Update", "scaler/Update"])
        #expect(F.fieldsV1(b, "scaler") == #"{"f:spec":{"f:replicas":{}}}"#)
        #expect(try #require(F.fieldsV1(b, "kubectl-create")).contains("f:replicas") == false)
        #expect(F.entry(b, "scaler")?["time"] == "2023-11-14T22:15:00Z")

        // Removing the labels takes them from their owner; a pure removal makes no entry for the remover.
        var unlabelled = b
        unlabelled.set(path: ["metadata", "labels"], to: nil)
        let c = FieldManager.update(old: b, new: unlabelled, manager: "editor", kind: kind, now: F.t3)
        #expect(F.managers(c) == ["kubectl-create/Update", "scaler/Update"])
        #expect(try #require(F.fieldsV1(c, "kubectl-create")).hasPrefix(#"{"f:spec":{"f:selector":{},"f:template""#))

        // A write that changes nothing leaves the entries and their times alone.
        let d = FieldManager.update(old: c, new: c, manager: "scaler", kind: kind, now: F.t3)
        #expect(d == c)

        // The same manager writing again through another version would get its own entry; the same version merges.
        var rescaled = c
        rescaled.set(path: ["spec", "replicas"], to: 4)
        rescaled.set(path: ["spec", "template", "spec", "containers"], to: [["name": "nginx", "image": "nginx:1.28"]])
        let e = FieldManager.update(old: c, new: rescaled, manager: "scaler", kind: kind, now: F.t3)
        #expect(F.managers(e) == ["kubectl-create/Update", "scaler/Update"])
        #expect(F.fieldsV1(e, "scaler") == #"{"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{"f:image":{}}}}}}}"#)
        #expect(F.entry(e, "scaler")?["time"] == "2023-11-14T22:16:40Z")
    }

    @Test func clientSentManagedFieldsAreUsedOnlyWhenSetAndValid() throws {
        let stored = created(uid: "u1")
        let storedEntries = stored[path: ["metadata", "managedFields"]]

        // Not sent: the stored ones stay.
        var plain = stored
        plain.removeManagedFields()
        #expect(FieldManager.update(old: stored, new: plain, manager: "editor", kind: kind, now: F.t2) == stored)

        // Sent and valid: they replace the stored ones.
        var imported = stored
        let importedEntries: JSONValue = [[
            "manager": "imported", "operation": "Apply", "apiVersion": "apps/v1", "fieldsType": "FieldsV1",
            "fieldsV1": ["f:spec": ["f:replicas": [:]]],
        ]]
        imported.set(path: ["metadata", "managedFields"], to: importedEntries)
        #expect(FieldManager.update(old: stored, new: imported, manager: "editor", kind: kind, now: F.t2)[path: ["metadata", "managedFields"]]
            == importedEntries)

        // Sent but invalid: the stored ones stay.
        var invalid = stored
        invalid.set(path: ["metadata", "managedFields"], to: [["manager": "x", "operation": "Bogus", "apiVersion": "v1", "fieldsType": "FieldsV1"]])
        #expect(FieldManager.update(old: stored, new: invalid, manager: "editor", kind: kind, now: F.t2)[path: ["metadata", "managedFields"]]
            == storedEntries)

        // An empty list (or one empty entry) resets them; an existing object then stops being tracked.
        for reset: JSONValue in [[], [[:]]] {
            var cleared = stored
            cleared.set(path: ["metadata", "managedFields"], to: reset)
            let result = FieldManager.update(old: stored, new: cleared, manager: "editor", kind: kind, now: F.t2)
            #expect(result[path: ["metadata", "managedFields"]] == nil)
        }

        // Through a subresource the request's managed fields are ignored.
        var viaStatus = stored
        viaStatus.set(path: ["metadata", "managedFields"], to: [])
        #expect(FieldManager.update(old: stored, new: viaStatus, manager: "editor", subresource: "status", kind: kind, now: F.t2)
            == stored)
    }

    @Test func anExistingObjectWithoutManagedFieldsIsNotTracked() {
        var old = F.deployment()
        old.set(path: ["metadata", "uid"], to: "u1")
        var new = old
        new.set(path: ["spec", "replicas"], to: 3)
        #expect(FieldManager.update(old: old, new: new, manager: "scaler", kind: kind, now: F.t2) == new)
    }

    @Test func theStatusSubresourceOwnsOnlyStatusAndTheMainResourceNeverDoes() throws {
        let a = created()
        var reported = a
        reported.set(path: ["status"], to: ["replicas": 1])
        reported.set(path: ["spec", "replicas"], to: 5)
        let b = FieldManager.update(old: a, new: reported, manager: "kube-controller-manager", subresource: "status", kind: kind, now: F.t2)
        let entry = try #require(F.entry(b, "kube-controller-manager"))
        #expect(JSONSerializer.string(entry) == #"{"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1","time":"2023-11-14T22:15:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:status":{".":{},"f:replicas":{}}},"subresource":"status"}"#)
        #expect(try #require(F.fieldsV1(b, "kubectl-create")).contains("f:replicas"))

        var statusOnly = a
        statusOnly.set(path: ["status"], to: ["replicas": 2])
        let c = FieldManager.update(old: a, new: statusOnly, manager: "editor", kind: kind, now: F.t2)
        #expect(F.managers(c) == ["kubectl-create/Update"])
    }

    @Test func atMostTenUpdateEntriesTheOldestMergedIntoAncientChanges() throws {
        var object = created()
        for i in 1...10 {
            var next = object
            next.set(path: ["metadata", "annotations", "a\(i)"], to: "v")
            object = FieldManager.update(old: object, new: next, manager: "m\(i)", kind: kind, now: Time(Date(timeIntervalSince1970: 1_700_000_000 + Double(i))))
        }
        let managers = F.managers(object)
        #expect(managers.count == 10)
        #expect(managers.first == "ancient-changes/Update")
        #expect(!managers.contains("kubectl-create/Update") && !managers.contains("m1/Update"))
        let ancient = try #require(F.fieldsV1(object, "ancient-changes"))
        #expect(ancient.contains(#""f:a1":{}"#) && ancient.contains(#""f:replicas":{}"#))
        #expect(F.entry(object, "ancient-changes")?["time"] == "2023-11-14T22:13:21Z")
    }

    @Test func managedFieldsDecodeAndOrderAsUpstream() throws {
        func decode(_ entry: JSONObject) throws(ManagedFieldsError) -> ManagedFields {
            try ManagedFields(entries: [.object(entry)])
        }
        #expect(throws: ManagedFieldsError("operation must be `Apply` or `Update`")) {
            try decode(["manager": "m", "operation": "Patch", "apiVersion": "v1", "fieldsType": "FieldsV1"])
        }
        #expect(throws: ManagedFieldsError("apiVersion must not be empty")) {
            try decode(["manager": "m", "operation": "Update", "fieldsType": "FieldsV1"])
        }
        #expect(throws: ManagedFieldsError("missing fieldsType in managed fields entry 0")) {
            try decode(["manager": "m", "operation": "Update", "apiVersion": "v1"])
        }
        #expect(throws: ManagedFieldsError(#"invalid fieldsType "FieldsV2" in managed fields entry 0"#)) {
            try decode(["manager": "m", "operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV2"])
        }

        // Applies first, then by time, then by manager; the encoding round-trips.
        func entry(_ manager: String, _ operation: String, _ time: String) -> JSONValue {
            ["manager": .string(manager), "operation": .string(operation), "apiVersion": "apps/v1", "time": .string(time),
             "fieldsType": "FieldsV1", "fieldsV1": ["f:spec": ["f:\(manager)": [:]]]]
        }
        let sent: JSONValue = [
            entry("b", "Update", "2024-01-01T00:00:02Z"), entry("a", "Update", "2024-01-01T00:00:02Z"),
            entry("z", "Apply", "2024-01-01T00:00:03Z"), entry("c", "Update", "2024-01-01T00:00:01Z"),
        ]
        let managed = try ManagedFields(entries: sent)
        let encoded = try #require(managed.entries)
        #expect(encoded.arrayValue?.compactMap { $0["manager"]?.stringValue } == ["z", "c", "a", "b"])
        #expect(try ManagedFields(entries: encoded) == managed)
        #expect(ManagedFields().entries == nil)
    }

    @Test func theManagerIsTheFieldManagerParameterOrTheUserAgentsPrefix() {
        #expect(FieldManager.managerName(fieldManager: "kubectl-edit", userAgent: "kubectl/v1.32.0") == "kubectl-edit")
        #expect(FieldManager.managerName(fieldManager: nil, userAgent: "kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9") == "kubectl")
        #expect(FieldManager.managerName(fieldManager: "", userAgent: "my\u{7}tool") == "mytool")
        #expect(FieldManager.managerName(fieldManager: nil, userAgent: String(repeating: "x", count: 200)).count == 128)
        #expect(FieldManager.managerName(fieldManager: nil, userAgent: nil) == "")
    }
}
