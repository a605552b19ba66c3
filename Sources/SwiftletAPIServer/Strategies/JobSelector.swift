import SwiftletAPI

/// The selector and template labels upstream generates for a Job from its uid (`generateSelector`).
enum JobSelector {
    static func generate(_ job: inout JSONValue) {
        let uid = job["metadata"]?["uid"]?.stringValue ?? ""
        let name = job["metadata"]?["name"]?.stringValue ?? ""
        var labels = job["spec"]?["template"]?["metadata"]?["labels"]?.objectValue ?? [:]
        labels["batch.kubernetes.io/controller-uid"] = .string(uid)
        labels["batch.kubernetes.io/job-name"] = .string(name)
        labels["controller-uid"] = .string(uid)
        labels["job-name"] = .string(name)
        job.set(path: ["spec", "template", "metadata", "labels"], to: .object(labels))
        job.set(path: ["spec", "selector"], to: ["matchLabels": ["batch.kubernetes.io/controller-uid": .string(uid)]])
    }
}
