import Foundation
import SwiftletAPI

/// Upstream's checks of the workload kinds: selectors that match their template, replica counts, strategies,
/// the template's pod spec, and the fields that may not change.
enum WorkloadValidation {
    static func templatePath(_ kind: String) -> ValidationPath {
        kind == "CronJob" ? ValidationPath("spec.jobTemplate.spec.template") : ValidationPath("spec.template")
    }

    static func validate(kind: String, _ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = object["spec"]
        if let replicas = spec?["replicas"]?.intValue, replicas < 0 {
            errors.append(.invalid("spec.replicas", replicas, "must be greater than or equal to 0"))
        }
        if let minReady = spec?["minReadySeconds"]?.intValue, minReady < 0 {
            errors.append(.invalid("spec.minReadySeconds", minReady, "must be greater than or equal to 0"))
        }
        let tPath = templatePath(kind)
        let template = object[path: tPath.description.split(separator: ".").map(String.init)]
        let templateLabels = template?["metadata"]?["labels"]?.objectValue ?? [:]
        var labelMap: [String: String] = [:]
        for (k, v) in templateLabels { labelMap[k] = v.stringValue ?? "" }
        switch kind {
        case "ReplicationController":
            if case .object(let selector)? = spec?["selector"], !selector.isEmpty {
                let matches = selector.allSatisfy { labelMap[$0.key] == $0.value.stringValue }
                if !matches {
                    errors.append(.invalid("spec.template.metadata.labels", .object(templateLabels), "`selector` does not match template `labels`"))
                }
            } else {
                errors.append(.required("spec.selector"))
            }
        case "Job", "CronJob":
            if kind == "Job", spec?["manualSelector"]?.boolValue == true, spec?["selector"] == nil {
                errors.append(.required("spec.selector"))
            }
        default:
            if let selectorValue = spec?["selector"] {
                if let selector = try? LabelSelector.from(selectorValue) {
                    if selector.requirements.isEmpty {
                        errors.append(.invalid("spec.selector", selectorValue, "empty selector is invalid for deployment"))
                    } else if !selector.matches(labelMap) {
                        errors.append(.invalid("spec.template.metadata.labels", .object(templateLabels), "`selector` does not match template `labels`"))
                    }
                } else {
                    errors.append(.invalid("spec.selector", selectorValue, "invalid label selector"))
                }
            } else {
                errors.append(.required("spec.selector"))
            }
        }
        if template == nil {
            if kind != "StatefulSet" || true { errors.append(.required(tPath.description)) }
        } else {
            // A StatefulSet's pods also mount the claims its volumeClaimTemplates make (upstream adds them as volumes).
            let claims = kind == "StatefulSet"
                ? Set((spec?["volumeClaimTemplates"]?.arrayValue ?? []).compactMap { $0["metadata"]?["name"]?.stringValue }) : []
            errors += PodSpecValidation.validate(template?["spec"], path: tPath.child("spec"), extraVolumes: claims)
            let restart = template?["spec"]?["restartPolicy"]?.stringValue ?? "Always"
            if kind == "Job" || kind == "CronJob" {
                if restart != "OnFailure" && restart != "Never" {
                    errors.append(.notSupported(tPath.child("spec", "restartPolicy").description, restart, ["OnFailure", "Never"]))
                }
            } else if restart != "Always" {
                errors.append(.notSupported(tPath.child("spec", "restartPolicy").description, restart, ["Always"]))
            }
        }
        switch kind {
        case "Deployment":
            let type = spec?["strategy"]?["type"]?.stringValue ?? "RollingUpdate"
            if !["RollingUpdate", "Recreate"].contains(type) {
                errors.append(.notSupported("spec.strategy.type", type, ["Recreate", "RollingUpdate"]))
            }
            if type == "Recreate", spec?["strategy"]?["rollingUpdate"] != nil {
                errors.append(.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"))
            }
            if type == "RollingUpdate" {
                let ru = spec?["strategy"]?["rollingUpdate"]
                let surge = intOrPercent(ru?["maxSurge"]), unavailable = intOrPercent(ru?["maxUnavailable"])
                if surge == 0 && unavailable == 0 {
                    errors.append(.invalid("spec.strategy.rollingUpdate.maxUnavailable", ru?["maxUnavailable"] ?? 0,
                                           "may not be 0 when `maxSurge` is 0"))
                }
                for (field, value) in [("maxSurge", ru?["maxSurge"]), ("maxUnavailable", ru?["maxUnavailable"])] {
                    if let v = value, case .string(let s) = v, !(s.hasSuffix("%") && Int(s.dropLast()) != nil) {
                        errors.append(.invalid("spec.strategy.rollingUpdate.\(field)", v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"))
                    }
                }
            }
            if let limit = spec?["revisionHistoryLimit"]?.intValue, limit < 0 {
                errors.append(.invalid("spec.revisionHistoryLimit", limit, "must be greater than or equal to 0"))
            }
            if let deadline = spec?["progressDeadlineSeconds"]?.intValue, let minReady = spec?["minReadySeconds"]?.intValue, deadline <= minReady {
                errors.append(.invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"))
            }
        case "StatefulSet":
            let policy = spec?["podManagementPolicy"]?.stringValue ?? "OrderedReady"
            if !["OrderedReady", "Parallel"].contains(policy) {
                errors.append(.notSupported("spec.podManagementPolicy", policy, ["OrderedReady", "Parallel"]))
            }
            let type = spec?["updateStrategy"]?["type"]?.stringValue ?? "RollingUpdate"
            if !["RollingUpdate", "OnDelete"].contains(type) {
                errors.append(.notSupported("spec.updateStrategy.type", type, ["OnDelete", "RollingUpdate"]))
            }
        case "Job":
            for field in ["parallelism", "completions", "backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"] {
                if let v = spec?[field]?.intValue, v < 0 || (field == "activeDeadlineSeconds" && v == 0) {
                    errors.append(.invalid("spec.\(field)", v, field == "activeDeadlineSeconds" ? "must be greater than 0" : "must be greater than or equal to 0"))
                }
            }
            let mode = spec?["completionMode"]?.stringValue ?? "NonIndexed"
            if !["NonIndexed", "Indexed"].contains(mode) {
                errors.append(.notSupported("spec.completionMode", mode, ["NonIndexed", "Indexed"]))
            }
            if mode == "Indexed", spec?["completions"] == nil {
                errors.append(.required("spec.completions", "when completion mode is Indexed"))
            }
        case "CronJob":
            let schedule = spec?["schedule"]?.stringValue ?? ""
            if schedule.isEmpty { errors.append(.required("spec.schedule")) }
            // Upstream's validateScheduleFormat and validateTimeZone (the zone belongs in spec.timeZone).
            if schedule.contains("TZ") {
                errors.append(.invalid("spec.schedule", .string(schedule), "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
            }
            if let zone = spec?["timeZone"]?.stringValue {
                if zone.isEmpty {
                    errors.append(.invalid("spec.timeZone", .string(zone), "timeZone must be nil or non-empty string"))
                } else if zone.caseInsensitiveCompare("Local") == .orderedSame {
                    errors.append(.invalid("spec.timeZone", .string(zone),
                                           "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"))
                } else if zone != "UTC" && TimeZone(identifier: zone) == nil {
                    errors.append(.invalid("spec.timeZone", .string(zone), "unknown time zone \(zone)"))
                }
            }
            let policy = spec?["concurrencyPolicy"]?.stringValue ?? "Allow"
            if !["Allow", "Forbid", "Replace"].contains(policy) {
                errors.append(.notSupported("spec.concurrencyPolicy", policy, ["Allow", "Forbid", "Replace"]))
            }
        default:
            break
        }
        return errors
    }

    static func intOrPercent(_ v: JSONValue?) -> Int? {
        guard let v else { return nil }
        if let i = v.intValue { return Int(i) }
        if let s = v.stringValue, s.hasSuffix("%") { return Int(s.dropLast()) }
        return nil
    }

    static func validateUpdate(kind: String, _ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        let selectorImmutable = ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"].contains(kind)
        if selectorImmutable, !(object["spec"]?["selector"] ?? .null).semanticallyEquals(old["spec"]?["selector"] ?? .null) {
            errors.append(.invalid("spec.selector", object["spec"]?["selector"] ?? .null, "field is immutable"))
        }
        if kind == "StatefulSet" {
            var newSpec = object["spec"], oldSpec = old["spec"]
            for key in ["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"] {
                newSpec?[key] = nil
                oldSpec?[key] = nil
            }
            if !(newSpec ?? .null).semanticallyEquals(oldSpec ?? .null) {
                errors.append(.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"))
            }
        }
        if kind == "Job" {
            if let c = object["spec"]?["completions"], c != old["spec"]?["completions"], object["spec"]?["completionMode"]?.stringValue != "Indexed" {
                errors.append(.invalid("spec.completions", c, "field is immutable"))
            }
            if !(object["spec"]?["template"] ?? .null).semanticallyEquals(old["spec"]?["template"] ?? .null), old["spec"]?["suspend"]?.boolValue != true {
                errors.append(.invalid("spec.template", object["spec"]?["template"] ?? .null, "field is immutable"))
            }
            if object["spec"]?["completionMode"] != old["spec"]?["completionMode"] {
                errors.append(.invalid("spec.completionMode", object["spec"]?["completionMode"] ?? .null, "field is immutable"))
            }
        }
        return errors
    }
}
