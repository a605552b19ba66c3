import Foundation
import SwiftletAPI

/// A set of completion indexes written the way upstream writes `status.completedIndexes` and
/// `status.failedIndexes`: ascending, runs of three or more as `first-last`, so `{1,3,4,5}` is "1,3-5"
/// and a run of two stays "1,2" (upstream's `orderedIntervals.String`).
struct CompletionIndexes: Equatable, Sendable {
    private(set) var sorted: [Int]

    init<S: Sequence>(_ indexes: S) where S.Element == Int {
        sorted = Array(Set(indexes)).sorted()
    }

    /// Parses "1,3-5"; entries that do not parse or fall outside `0..<completions` are dropped, as upstream does.
    init(parsing text: String?, completions: Int) {
        var result: [Int] = []
        for part in (text ?? "").split(separator: ",") {
            let bounds = part.split(separator: "-", maxSplits: 1).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard let first = bounds.first ?? nil else { continue }
            let last = bounds.count == 2 ? (bounds[1] ?? first) : first
            let low = max(first, 0), high = min(last, completions - 1)
            if low <= high { result.append(contentsOf: low...high) }
        }
        self.init(result)
    }

    var count: Int { sorted.count }
    func contains(_ index: Int) -> Bool { sorted.binarySearchContains(index) }

    var description: String {
        var parts: [String] = []
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
            switch j - i {
            case 0: parts.append("\(sorted[i])")
            case 1: parts.append("\(sorted[i]),\(sorted[j])")
            default: parts.append("\(sorted[i])-\(sorted[j])")
            }
            i = j + 1
        }
        return parts.joined(separator: ",")
    }
}

private extension Array where Element == Int {
    func binarySearchContains(_ value: Int) -> Bool {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid] == value { return true }
            if self[mid] < value { low = mid + 1 } else { high = mid }
        }
        return false
    }
}

/// Where an Indexed Job keeps a pod's index, and reading it back.
enum JobIndex {
    static let annotation = "batch.kubernetes.io/job-completion-index"
    static let failureCountAnnotation = "batch.kubernetes.io/job-index-failure-count"
    static let ignoredFailureCountAnnotation = "batch.kubernetes.io/job-index-ignored-failure-count"
    static let environmentVariable = "JOB_COMPLETION_INDEX"

    /// The pod's completion index from its annotation (or, failing that, its label), when valid for `completions`.
    static func of(_ pod: Pod, completions: Int) -> Int? {
        let text = pod.metadata?.annotations?[annotation] ?? pod.metadata?.labels?[annotation]
        guard let text, let index = Int(text), index >= 0, index < completions else { return nil }
        return index
    }
}
