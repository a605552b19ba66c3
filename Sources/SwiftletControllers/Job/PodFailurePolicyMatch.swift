import SwiftletAPI

/// What a Job's `podFailurePolicy` makes of one failed pod (upstream's `matchPodFailurePolicy`): the first rule
/// whose `onExitCodes` or `onPodConditions` matches decides; no match counts the failure as usual.
struct PodFailurePolicyMatch: Equatable, Sendable {
    enum Action: String, Sendable { case failJob = "FailJob", ignore = "Ignore", count = "Count", failIndex = "FailIndex" }

    /// The matching rule's action, nil when no rule matched.
    var action: Action?
    /// For FailJob, the message of the Job's FailureTarget and Failed conditions.
    var failJobMessage: String?

    /// Whether the failure counts toward `backoffLimit` (everything but Ignore).
    var countsFailure: Bool { action != .ignore }

    init(action: Action? = nil, failJobMessage: String? = nil) {
        self.action = action
        self.failJobMessage = failJobMessage
    }

    init(policy: PodFailurePolicy?, pod: Pod) {
        self.init()
        guard let rules = policy?.rules else { return }
        let namespace = pod.metadata?.namespace ?? "", name = pod.metadata?.name ?? ""
        for (index, rule) in rules.enumerated() {
            guard let action = Action(rawValue: rule.action ?? "") else { continue }
            if let requirement = rule.onExitCodes {
                guard let container = Self.container(matching: requirement, in: pod) else { continue }
                let message = "Container \(container.name ?? "") for pod \(namespace)/\(name) failed with exit code "
                    + "\(container.state?.terminated?.exitCode ?? 0) matching \(action.rawValue) rule at index \(index)"
                self.init(action: action, failJobMessage: action == .failJob ? message : nil)
                return
            } else if let patterns = rule.onPodConditions {
                guard let condition = Self.condition(matching: patterns, in: pod) else { continue }
                let message = "Pod \(namespace)/\(name) has condition \(condition.type ?? "") matching \(action.rawValue) rule at index \(index)"
                self.init(action: action, failJobMessage: action == .failJob ? message : nil)
                return
            }
        }
    }

    /// The first terminated container (then init container) with a non-zero exit code the requirement matches.
    static func container(matching requirement: PodFailurePolicyOnExitCodesRequirement, in pod: Pod) -> ContainerStatus? {
        let values = Set(requirement.values ?? [])
        for statuses in [pod.status?.containerStatuses ?? [], pod.status?.initContainerStatuses ?? []] {
            for status in statuses {
                guard let code = status.state?.terminated?.exitCode, code != 0 else { continue }
                if let name = requirement.containerName, name != status.name { continue }
                let matches = requirement.operator == "NotIn" ? !values.contains(code) : requirement.operator == "In" && values.contains(code)
                if matches { return status }
            }
        }
        return nil
    }

    /// The first pod condition equal in type and status (default "True") to one of the patterns.
    static func condition(matching patterns: [PodFailurePolicyOnPodConditionsPattern], in pod: Pod) -> PodCondition? {
        for pattern in patterns {
            if let condition = pod.status?.conditions?.first(where: { $0.type == pattern.type && $0.status == (pattern.status ?? "True") }) {
                return condition
            }
        }
        return nil
    }
}
