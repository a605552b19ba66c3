import Collections

/// The document a JSON patch is being applied to, navigated and changed as evanphx/json-patch v4 does it.
///
/// Errors wrap the way upstream's `errors.Wrapf` does (`outer: inner: cause`), because clients match on them.
struct JSONPatchTarget {
    var root: JSONValue

    private static let missing = "missing value"
    private static let invalidIndex = "invalid index referenced"

    mutating func add(_ op: JSONPatch.Operation) throws(PatchError) {
        guard case .success(let path) = op.path() else {
            throw PatchError(.unprocessable, "add operation failed to decode path: \(Self.missing)")
        }
        let value = op.value
        let done: Void? = try withParent(of: path) { (container, key) throws(PatchError) in
            do throws(PatchError) { try Self.add(value, to: &container, at: key) } catch { throw failure("error in add for path: '\(path)'", error, path) }
        }
        guard done != nil else {
            throw failure("add operation does not apply: doc is missing path: \"\(path)\"", Self.missing, path)
        }
    }

    mutating func remove(_ op: JSONPatch.Operation) throws(PatchError) {
        guard case .success(let path) = op.path() else {
            throw PatchError(.unprocessable, "remove operation failed to decode path: \(Self.missing)")
        }
        let done: Void? = try withParent(of: path) { (container, key) throws(PatchError) in
            do throws(PatchError) { try Self.remove(from: &container, at: key) } catch { throw failure("error in remove for path: '\(path)'", error, path) }
        }
        guard done != nil else {
            throw failure("remove operation does not apply: doc is missing path: \"\(path)\"", Self.missing, path)
        }
    }

    mutating func replace(_ op: JSONPatch.Operation) throws(PatchError) {
        let path: String
        switch op.path() {
        case .success(let p): path = p
        case .failure(let error): throw failure("replace operation failed to decode path", error, nil)
        }
        if path.isEmpty {
            // Upstream replaces the whole document with an object or array and silently ignores anything else.
            if let value = op.fields["value"], value.isContainer { root = value }
            return
        }
        let value = op.value
        let done: Void? = try withParent(of: path) { (container, key) throws(PatchError) in
            do throws(PatchError) { _ = try Self.get(container, at: key) } catch {
                throw failure("replace operation does not apply: doc is missing key: \(path)", Self.missing, path)
            }
            do throws(PatchError) { try Self.set(value, in: &container, at: key) } catch { throw failure("error in remove for path: '\(path)'", error, path) }
        }
        guard done != nil else {
            throw failure("replace operation does not apply: doc is missing path: \(path)", Self.missing, path)
        }
    }

    mutating func move(_ op: JSONPatch.Operation) throws(PatchError) {
        let from: String
        switch op.from() {
        case .success(let f): from = f
        case .failure(let error): throw failure("move operation failed to decode from", error, nil)
        }
        let moved: JSONValue?? = try withParent(of: from) { (container, key) throws(PatchError) -> JSONValue? in
            let value: JSONValue?
            do throws(PatchError) { value = try Self.get(container, at: key) } catch { throw failure("error in move for path: '\(key)'", error, from) }
            do throws(PatchError) { try Self.remove(from: &container, at: key) } catch { throw failure("error in move for path: '\(key)'", error, from) }
            return value
        }
        guard let value = moved else {
            throw failure("move operation does not apply: doc is missing from path: \(from)", Self.missing, from)
        }
        let path: String
        switch op.path() {
        case .success(let p): path = p
        case .failure(let error): throw failure("move operation failed to decode path", error, nil)
        }
        let done: Void? = try withParent(of: path) { (container, key) throws(PatchError) in
            do throws(PatchError) { try Self.add(value ?? .null, to: &container, at: key) } catch {
                throw failure("error in move for path: '\(path)'", error, path)
            }
        }
        guard done != nil else {
            throw failure("move operation does not apply: doc is missing destination path: \(path)", Self.missing, path)
        }
    }

    mutating func copy(_ op: JSONPatch.Operation) throws(PatchError) {
        let from: String
        switch op.from() {
        case .success(let f): from = f
        case .failure(let error): throw failure("copy operation failed to decode from", error, nil)
        }
        let copied: JSONValue?? = try withParent(of: from) { (container, key) throws(PatchError) -> JSONValue? in
            do throws(PatchError) { return try Self.get(container, at: key) } catch { throw failure("error in copy for from: '\(from)'", error, from) }
        }
        guard let value = copied else {
            throw failure("copy operation does not apply: doc is missing from path: \(from)", Self.missing, from)
        }
        guard case .success(let path) = op.path() else {
            throw PatchError(.unprocessable, "copy operation failed to decode path: \(Self.missing)")
        }
        let done: Void? = try withParent(of: path) { (container, key) throws(PatchError) in
            do throws(PatchError) { try Self.add(value ?? .null, to: &container, at: key) } catch {
                throw failure("error while adding value during copy", error, path)
            }
        }
        guard done != nil else {
            throw failure("copy operation does not apply: doc is missing destination path: \(path)", Self.missing, path)
        }
    }

    mutating func test(_ op: JSONPatch.Operation) throws(PatchError) {
        let path: String
        switch op.path() {
        case .success(let p): path = p
        case .failure(let error): throw failure("test operation failed to decode path", error, nil)
        }
        let expected = op.fields["value"]
        let testFailed = failure("testing value \(path) failed", "test failed", path)
        if path.isEmpty {
            guard let expected, root.isDeepEqual(to: expected) else { throw testFailed }
            return
        }
        let found: JSONValue?? = try withParent(of: path) { (container, key) throws(PatchError) -> JSONValue? in
            do throws(PatchError) { return try Self.get(container, at: key) } catch { throw failure("error in test for path: '\(path)'", error, path) }
        }
        guard let actual = found else {
            throw failure("test operation does not apply: is missing path: \(path)", Self.missing, path)
        }
        // A missing member and a null one are the same thing here, as they are upstream.
        switch (actual ?? .null, expected) {
        case (.null, .null?): return
        case (let actual, let expected?) where !actual.isNull && actual.isDeepEqual(to: expected): return
        default: throw testFailed
        }
    }

    // MARK: Navigation

    /// Runs `body` on the container that holds the last token of `path`, or returns nil when there is none.
    ///
    /// Like upstream, the text before the first `/` is ignored and a path without `/` names nothing.
    private mutating func withParent<R>(
        of path: String, _ body: (inout JSONValue, String) throws(PatchError) -> R
    ) throws(PatchError) -> R? {
        let split = path.split(separator: "/", omittingEmptySubsequences: false)
        guard split.count >= 2 else { return nil }
        let parts = split.dropFirst().dropLast().map { JSONPointer.unescape(String($0)) }
        let key = JSONPointer.unescape(String(split.last!))
        return try Self.descend(&root, parts[...], key, body)
    }

    private static func descend<R>(
        _ node: inout JSONValue, _ parts: ArraySlice<String>, _ key: String,
        _ body: (inout JSONValue, String) throws(PatchError) -> R
    ) throws(PatchError) -> R? {
        guard let part = parts.first else { return try body(&node, key) }
        switch node {
        case .object(var object):
            guard var child = object[part], child.isContainer else { return nil }
            object[part] = .null
            node = .null
            defer {
                object[part] = child
                node = .object(object)
            }
            return try descend(&child, parts.dropFirst(), key, body)
        case .array(var array):
            guard case .success(let index) = elementIndex(part, count: array.count), array[index].isContainer else {
                return nil
            }
            var child = array[index]
            array[index] = .null
            node = .null
            defer {
                array[index] = child
                node = .array(array)
            }
            return try descend(&child, parts.dropFirst(), key, body)
        default:
            return nil
        }
    }

    // MARK: Container operations (evanphx's partialDoc and partialArray)

    private static func get(_ container: JSONValue, at key: String) throws(PatchError) -> JSONValue? {
        switch container {
        case .object(let object):
            return object[key]
        case .array(let array):
            return array[try elementIndex(key, count: array.count).get()]
        default:
            return nil
        }
    }

    private static func add(_ value: JSONValue, to container: inout JSONValue, at key: String) throws(PatchError) {
        switch container {
        case .object(var object):
            container = .null
            object[key] = value
            container = .object(object)
        case .array(var array):
            if key == "-" {
                container = .null
                array.append(value)
                container = .array(array)
                return
            }
            var index: Int
            switch goAtoi(key) {
            case .success(let i): index = i
            case .failure(let error): throw unprocessable("value was not a proper array index: '\(key)': \(error.message)")
            }
            let size = array.count + 1
            if index >= size { throw unprocessable("Unable to access invalid index: \(index): \(invalidIndex)") }
            if index < 0 {
                if index < -size { throw unprocessable("Unable to access invalid index: \(index): \(invalidIndex)") }
                index += size
            }
            container = .null
            array.insert(value, at: index)
            container = .array(array)
        default:
            break
        }
    }

    private static func set(_ value: JSONValue, in container: inout JSONValue, at key: String) throws(PatchError) {
        switch container {
        case .object:
            try add(value, to: &container, at: key)
        case .array(var array):
            let index = try elementIndex(key, count: array.count).get()
            container = .null
            array[index] = value
            container = .array(array)
        default:
            break
        }
    }

    private static func remove(from container: inout JSONValue, at key: String) throws(PatchError) {
        switch container {
        case .object(var object):
            guard object[key] != nil else {
                throw unprocessable("Unable to remove nonexistent key: \(key): \(missing)")
            }
            container = .null
            object.removeValue(forKey: key)
            container = .object(object)
        case .array(var array):
            let index = try elementIndex(key, count: array.count).get()
            container = .null
            array.remove(at: index)
            container = .array(array)
        default:
            break
        }
    }

    /// An existing element's index: negative ones count from the end, as upstream allows by default.
    private static func elementIndex(_ key: String, count: Int) -> Result<Int, PatchError> {
        var index: Int
        switch goAtoi(key) {
        case .success(let i): index = i
        case .failure(let error): return .failure(error)
        }
        if index < 0 {
            if index < -count { return .failure(unprocessable("Unable to access invalid index: \(index): \(invalidIndex)")) }
            index += count
        }
        guard index < count else {
            return .failure(unprocessable("Unable to access invalid index: \(index): \(invalidIndex)"))
        }
        return .success(index)
    }

    /// Go's `strconv.Atoi`, with its error texts.
    static func goAtoi(_ s: String) -> Result<Int, PatchError> {
        var quoted = "\""
        for c in s {
            if c == "\"" || c == "\\" { quoted.append("\\") }
            quoted.append(c)
        }
        quoted.append("\"")
        var digits = Substring(s)
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ ("0"..."9").contains($0) }) else {
            return .failure(unprocessable("strconv.Atoi: parsing \(quoted): invalid syntax"))
        }
        guard let value = Int(negative ? "-" + digits : String(digits)) else {
            return .failure(unprocessable("strconv.Atoi: parsing \(quoted): value out of range"))
        }
        return .success(value)
    }

    private static func unprocessable(_ message: String) -> PatchError {
        PatchError(.unprocessable, message)
    }
}

/// `errors.Wrapf(cause, outer)`: `outer: cause`, as an unprocessable patch located at `path`.
private func failure(_ outer: String, _ cause: String, _ path: String?) -> PatchError {
    PatchError(.unprocessable, "\(outer): \(cause)", path: path)
}

private func failure(_ outer: String, _ cause: PatchError, _ path: String?) -> PatchError {
    PatchError(.unprocessable, "\(outer): \(cause.message)", path: path)
}
