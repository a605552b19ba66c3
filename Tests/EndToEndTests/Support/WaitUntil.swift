import Testing

/// Polls `condition` until it holds; records an issue naming `what` and throws when `timeout` passes first.
func waitUntil(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    Issue.record("timed out waiting until \(what)")
    throw TestFailure("timed out waiting until \(what)")
}
