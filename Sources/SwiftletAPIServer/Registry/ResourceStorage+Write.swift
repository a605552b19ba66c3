import Foundation
import SwiftletAPI
import SwiftletStore

/// The result of a write: the object as stored (with its new resourceVersion) and whether it was created.
public struct WriteResult: Sendable {
    public var object: JSONValue
    public var created: Bool
    /// For DELETE: whether the object is gone now (false while finalizers or a grace period hold it).
    public var deleted: Bool = false
    public var warnings: [String] = []
}

extension ResourceStorage {
    static let generateNameAlphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    static func nowString() -> String { Time.now().rfc3339 }

    static func randomSuffix(_ n: Int = 5) -> String {
        String((0..<n).map { _ in generateNameAlphabet.randomElement()! })
    }

    /// The bytes kept in the store: the object without its resourceVersion (the store's revision is the truth).
    static func storedBytes(_ object: JSONValue) -> [UInt8] {
        guard case .object(let fields) = object else { return JSONSerializer.serialize(object) }
        // apiVersion, kind and metadata first, as upstream writes objects.
        var ordered = JSONObject()
        ordered.reserveCapacity(fields.count)
        for key in ["apiVersion", "kind"] { if let v = fields[key] { ordered[key] = v } }
        if case .object(var meta)? = fields["metadata"] {
            meta.removeValue(forKey: "resourceVersion")
            meta.removeValue(forKey: "selfLink")
            // Every ObjectMeta field is omitempty upstream: empty lists and maps are not kept.
            for (k, v) in meta {
                switch v {
                case .array(let a) where a.isEmpty: meta.removeValue(forKey: k)
                case .object(let o) where o.isEmpty: meta.removeValue(forKey: k)
                case .null: meta.removeValue(forKey: k)
                default: break
                }
            }
            ordered["metadata"] = .object(meta)
        } else if let meta = fields["metadata"] {
            ordered["metadata"] = meta
        }
        for (k, v) in fields where k != "apiVersion" && k != "kind" && k != "metadata" { ordered[k] = v }
        return JSONSerializer.serialize(.object(ordered))
    }

    static func withRevision(_ object: JSONValue, _ revision: Int64) -> JSONValue {
        var o = object
        o.set(path: ["metadata", "resourceVersion"], to: .string(String(revision)))
        return o
    }

    func validationError(_ object: JSONValue, _ errors: [FieldError]) -> APIError {
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        return APIError.invalid(kind: resource.kind, group: resource.group, name: name, errors: errors)
    }

    // MARK: create

    public func create(namespace: String?, object input: JSONValue, options: WriteOptions,
                       trackFields: Bool = true) async throws(APIError) -> WriteResult {
        guard case .object = input else { throw APIError.badRequest("the body of the request was in an unknown format") }
        var object = input
        object["apiVersion"] = .string(resource.groupVersion)
        object["kind"] = .string(resource.kind)
        var meta = object["metadata"]?.objectValue ?? [:]
        if resource.namespaced {
            let bodyNamespace = meta["namespace"]?.stringValue ?? ""
            if let namespace, !bodyNamespace.isEmpty, bodyNamespace != namespace {
                throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            if let namespace { meta["namespace"] = .string(namespace) }
        } else {
            meta.removeValue(forKey: "namespace")
        }
        if (meta["name"]?.stringValue ?? "").isEmpty, let generateName = meta["generateName"]?.stringValue, !generateName.isEmpty {
            meta["name"] = .string(String(generateName.prefix(58)) + Self.randomSuffix())
        }
        meta["uid"] = .string(UUID().uuidString.lowercased())
        meta["creationTimestamp"] = .string(Self.nowString())
        meta.removeValue(forKey: "resourceVersion")
        meta.removeValue(forKey: "deletionTimestamp")
        meta.removeValue(forKey: "deletionGracePeriodSeconds")
        meta.removeValue(forKey: "selfLink")
        if strategy.tracksGeneration { meta["generation"] = .int(1) } else { meta.removeValue(forKey: "generation") }
        object["metadata"] = .object(meta)
        strategy.prepareForCreate(&object)
        strategy.applyDefaults(&object)
        let errors = ObjectMetaValidation.validate(object, namespaced: resource.namespaced, nameRule: nameRule) + strategy.validate(object)
        if !errors.isEmpty { throw validationError(object, errors) }
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        if resource.namespaced, let namespace {
            do {
                try await namespaceCheck(namespace, resource, name)
            } catch let error as APIError {
                throw error
            } catch {
                throw APIError.internalError("\(error)")
            }
        }
        if let createAdmission { try await createAdmission(&object) }
        if trackFields { object = FieldManager.update(old: nil, new: object, manager: options.managerName, kind: resource.gvk) }
        if options.dryRun { return WriteResult(object: object, created: true) }
        let storeKey = key(namespace, name)
        let bytes = Self.storedBytes(object)
        writeHints.add(key: storeKey, bytes: bytes, object: object)
        defer { writeHints.remove(key: storeKey) }
        do {
            let kv = try await store.create(storeKey, value: bytes)
            return WriteResult(object: Self.withRevision(object, kv.modRevision), created: true)
        } catch {
            throw StorageErrors.map(error, self, name: name)
        }
    }

    // MARK: update

    /// Reads the current object straight from the store (not the cache) for a read-modify-write.
    func current(namespace: String?, name: String) async throws(APIError) -> (JSONValue, Int64)? {
        do {
            guard let kv = try await store.get(key(namespace, name)) else { return nil }
            guard let value = try? JSONParser.parse(kv.value) else {
                throw APIError.internalError("stored object \(key(namespace, name)) is not valid JSON")
            }
            return (Self.withRevision(value, kv.modRevision), kv.modRevision)
        } catch {
            throw StorageErrors.map(error, self, name: name)
        }
    }

    /// PUT: replaces the object (or its status), with compare-and-swap on the given resourceVersion;
    /// without one, retries on conflicts like upstream's unconditional update.
    public func update(namespace: String?, name: String, object input: JSONValue, subresource: String?,
                       options: WriteOptions) async throws(APIError) -> WriteResult {
        guard case .object = input else { throw APIError.badRequest("the body of the request was in an unknown format") }
        let bodyName = input["metadata"]?["name"]?.stringValue ?? ""
        if !bodyName.isEmpty, bodyName != name {
            throw APIError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        if resource.namespaced, let namespace, let bodyNamespace = input["metadata"]?["namespace"]?.stringValue,
           !bodyNamespace.isEmpty, bodyNamespace != namespace {
            throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        let precondition = try Self.parseResourceVersion(input["metadata"]?["resourceVersion"]?.stringValue)
        return try await guaranteedUpdate(namespace: namespace, name: name, precondition: precondition, options: options) { old in
            var object = input
            object["apiVersion"] = .string(self.resource.groupVersion)
            object["kind"] = .string(self.resource.kind)
            return try self.prepareUpdate(object, old: old, subresource: subresource, options: options)
        }
    }

    /// Carries over system fields and applies the strategy's update rules; throws 422 on invalid input.
    func prepareUpdate(_ input: JSONValue, old: JSONValue, subresource: String?, options: WriteOptions = WriteOptions(),
                       trackFields: Bool = true) throws(APIError) -> JSONValue {
        var object = input
        var meta = object["metadata"]?.objectValue ?? [:]
        let oldMeta = old["metadata"]?.objectValue ?? [:]
        meta["name"] = oldMeta["name"]
        if resource.namespaced { meta["namespace"] = oldMeta["namespace"] } else { meta.removeValue(forKey: "namespace") }
        for field in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"] {
            meta[field] = oldMeta[field]
        }
        if meta["uid"] == nil { meta.removeValue(forKey: "uid") }
        meta["resourceVersion"] = oldMeta["resourceVersion"]
        object["metadata"] = .object(meta.filter { !$0.value.isNull })
        switch subresource {
        case "status":
            strategy.prepareForStatusUpdate(&object, old: old)
        case nil:
            strategy.prepareForUpdate(&object, old: old)
        default:
            break
        }
        strategy.applyDefaults(&object)
        if strategy.tracksGeneration, subresource != "status", object["spec"] != old["spec"] {
            let generation = (old["metadata"]?["generation"]?.intValue ?? 0) + 1
            object.set(path: ["metadata", "generation"], to: .int(generation))
        }
        var errors = ObjectMetaValidation.validate(object, namespaced: resource.namespaced, nameRule: nameRule)
        errors += ObjectMetaValidation.validateUpdate(object, old: old)
        errors += strategy.validateUpdate(object, old: old)
        if !errors.isEmpty { throw validationError(object, errors) }
        if trackFields {
            object = FieldManager.update(old: old, new: object, manager: options.managerName, subresource: subresource, kind: resource.gvk)
        }
        return object
    }

    /// Read-modify-write with compare-and-swap, retrying on conflicts unless the caller pinned a resourceVersion.
    func guaranteedUpdate(namespace: String?, name: String, precondition: Int64?, options: WriteOptions,
                          transform: (JSONValue) async throws -> JSONValue) async throws(APIError) -> WriteResult {
        for _ in 0..<20 {
            guard let (old, revision) = try await current(namespace: namespace, name: name) else { throw notFound(name) }
            if let precondition, precondition != revision {
                throw APIError.modifiedConflict(resource: resource.plural, group: resource.group, name: name)
            }
            var object: JSONValue
            do {
                object = try await transform(old)
            } catch let error as APIError {
                throw error
            } catch {
                throw APIError.internalError("\(error)")
            }
            object.set(path: ["metadata", "resourceVersion"], to: old["metadata"]?["resourceVersion"])
            if object == old { return WriteResult(object: old, created: false) }
            if options.dryRun { return WriteResult(object: object, created: false) }
            if shouldDeleteDuringUpdate(object, old: old) {
                do {
                    let kv = try await store.delete(key(namespace, name), expectedRevision: revision)
                    var result = WriteResult(object: Self.withRevision(object, kv.modRevision), created: false)
                    result.deleted = true
                    return result
                } catch let error as StoreError {
                    if case .conflict = error { if precondition == nil { continue } }
                    throw StorageErrors.map(error, self, name: name)
                } catch {
                    throw StorageErrors.map(error, self, name: name)
                }
            }
            let storeKey = key(namespace, name)
            let bytes = Self.storedBytes(object)
            writeHints.add(key: storeKey, bytes: bytes, object: object)
            defer { writeHints.remove(key: storeKey) }
            do {
                let kv = try await store.update(storeKey, value: bytes, expectedRevision: revision)
                return WriteResult(object: Self.withRevision(object, kv.modRevision), created: false)
            } catch let error as StoreError {
                switch error {
                case .conflict where precondition == nil: continue
                case .notFound: throw notFound(name)
                default: throw StorageErrors.map(error, self, name: name)
                }
            } catch {
                throw StorageErrors.map(error, self, name: name)
            }
        }
        throw APIError.modifiedConflict(resource: resource.plural, group: resource.group, name: name)
    }

    // MARK: delete

    public func delete(namespace: String?, name: String, options: DeleteOptions) async throws(APIError) -> WriteResult {
        for _ in 0..<20 {
            guard let (old, revision) = try await current(namespace: namespace, name: name) else { throw notFound(name) }
            let meta = old["metadata"]
            if let uid = options.preconditionUID, uid != meta?["uid"]?.stringValue {
                throw APIError.conflict(resource: resource.plural, group: resource.group, name: name,
                                        detail: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(meta?["uid"]?.stringValue ?? "")")
            }
            if let rv = options.preconditionResourceVersion, rv != meta?["resourceVersion"]?.stringValue {
                throw APIError.conflict(resource: resource.plural, group: resource.group, name: name,
                                        detail: "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(meta?["resourceVersion"]?.stringValue ?? "")")
            }
            var object = old
            var finalizers = (meta?["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
            switch options.propagationPolicy {
            case "Orphan":
                if !finalizers.contains("orphan") { finalizers.append("orphan") }
            case "Foreground":
                if !finalizers.contains("foregroundDeletion") { finalizers.append("foregroundDeletion") }
            case nil, "", "Background":
                break
            case let other?:
                throw APIError.invalid(kind: "DeleteOptions", group: "meta.k8s.io", name: "",
                                       errors: [.notSupported("propagationPolicy", other, ["Foreground", "Background", "Orphan"])])
            }
            let grace = gracePeriod(for: old, requested: options.gracePeriodSeconds)
            let namespaceFinalizers = resource.kind == "Namespace" ? (old["spec"]?["finalizers"]?.arrayValue ?? []) : []
            let mustWait = !finalizers.isEmpty || grace > 0 || !namespaceFinalizers.isEmpty
            if mustWait {
                if meta?["deletionTimestamp"] == nil || (grace < (meta?["deletionGracePeriodSeconds"]?.intValue ?? 0)) {
                    let at = Time(Date().addingTimeInterval(Double(grace))).rfc3339
                    object.set(path: ["metadata", "deletionTimestamp"], to: .string(at))
                    object.set(path: ["metadata", "deletionGracePeriodSeconds"], to: .int(grace))
                }
                object.set(path: ["metadata", "finalizers"], to: finalizers.isEmpty ? nil : .array(finalizers.map { .string($0) }))
                if resource.kind == "Namespace" { object.set(path: ["status", "phase"], to: "Terminating") }
                if object == old { return WriteResult(object: old, created: false) }
                if options.dryRun { return WriteResult(object: object, created: false) }
                do {
                    let kv = try await store.update(key(namespace, name), value: Self.storedBytes(object), expectedRevision: revision)
                    return WriteResult(object: Self.withRevision(object, kv.modRevision), created: false)
                } catch let error as StoreError {
                    if case .conflict = error { continue }
                    throw StorageErrors.map(error, self, name: name)
                } catch {
                    throw StorageErrors.map(error, self, name: name)
                }
            }
            if options.dryRun { return WriteResult(object: old, created: false, deleted: true) }
            do {
                let kv = try await store.delete(key(namespace, name), expectedRevision: revision)
                return WriteResult(object: Self.withRevision(old, kv.modRevision), created: false, deleted: true)
            } catch let error as StoreError {
                if case .conflict = error { continue }
                if case .notFound = error { throw notFound(name) }
                throw StorageErrors.map(error, self, name: name)
            } catch {
                throw StorageErrors.map(error, self, name: name)
            }
        }
        throw APIError.modifiedConflict(resource: resource.plural, group: resource.group, name: name)
    }

    /// Upstream's shouldDeleteDuringUpdate: the update that removes the last finalizer of an object whose deletion
    /// has no grace period left deletes it; any other update of a terminating object (a pod's status during its
    /// grace period, say) is just an update. A namespace goes once its spec finalizers are gone too.
    func shouldDeleteDuringUpdate(_ object: JSONValue, old: JSONValue) -> Bool {
        guard object["metadata"]?["deletionTimestamp"] != nil, (object["metadata"]?["finalizers"]?.arrayValue ?? []).isEmpty else { return false }
        if resource.kind == "Namespace", resource.group.isEmpty {
            return (object["spec"]?["finalizers"]?.arrayValue ?? []).isEmpty
        }
        let hadFinalizers = !(old["metadata"]?["finalizers"]?.arrayValue ?? []).isEmpty
        return hadFinalizers && (old["metadata"]?["deletionGracePeriodSeconds"]?.intValue ?? 0) == 0
    }

    /// The grace period a deletion waits: only pods bound to a node and still running get one, as upstream.
    func gracePeriod(for object: JSONValue, requested: Int64?) -> Int64 {
        guard resource.kind == "Pod", resource.group.isEmpty else { return 0 }
        let phase = object["status"]?["phase"]?.stringValue ?? ""
        let nodeName = object["spec"]?["nodeName"]?.stringValue ?? ""
        if nodeName.isEmpty || phase == "Succeeded" || phase == "Failed" { return 0 }
        let grace = requested ?? object["spec"]?["terminationGracePeriodSeconds"]?.intValue ?? 30
        return max(grace, 0)
    }

    /// DELETE of a collection: deletes every object the selectors match, one by one.
    public func deleteCollection(namespace: String?, listOptions: ListOptions, options: DeleteOptions) async throws(APIError) -> [JSONValue] {
        let page = try await list(namespace: namespace, options: listOptions)
        var deleted: [JSONValue] = []
        for item in page.items {
            do {
                let r = try await delete(namespace: item.namespace.isEmpty ? nil : item.namespace, name: item.name, options: options)
                deleted.append(r.object)
            } catch where error.reason == .notFound {
                continue
            }
        }
        return deleted
    }
}
