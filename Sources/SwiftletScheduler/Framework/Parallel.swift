import Foundation
import Synchronization

/// Runs per-node work on every core (upstream's `parallelize.Parallelizer`), in contiguous chunks so small
/// inputs stay on the calling task.
enum Parallel {
    static let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Below this many items the work runs on the calling task: spawning costs more than it saves.
    static let minimumParallelCount = 64

    /// `body(i)` for every `i` in `0..<count`, in order.
    static func map<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) async -> [T] {
        if count < minimumParallelCount || workers == 1 { return (0..<count).map(body) }
        let chunk = (count + workers - 1) / workers
        return await withTaskGroup(of: (Int, [T]).self) { group in
            for start in stride(from: 0, to: count, by: chunk) {
                group.addTask { (start, (start..<min(start + chunk, count)).map(body)) }
            }
            var parts: [(Int, [T])] = []
            for await part in group { parts.append(part) }
            return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
    }
}

/// A counter shared by parallel workers.
final class SharedCounter: Sendable {
    let value: Atomic<Int>
    init(_ initial: Int = 0) { value = Atomic(initial) }

    /// Adds one; returns the value before.
    func next() -> Int { value.wrappingAdd(1, ordering: .relaxed).oldValue }
    var current: Int { value.load(ordering: .relaxed) }
}
