import Testing
@testable import SwiftletAPI
@testable import SwiftletAPIServer

/// Defaulting and validation per kind, table-driven, checked against upstream's wording.
@Suite struct StrategyTests {
    static func storage(_ kind: String, _ group: String = "") -> (any ResourceStrategy, APIResourceInfo) {
        let resource = ResourceCatalog.all.first { $0.kind == kind && $0.group == group }!
        return (StrategyCatalog.strategy(for: resource).0, resource)
    }

    @Test(arguments: [
        ("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.25", "IfNotPresent"),
        ("registry:5000/app", "Always"), ("registry:5000/app:v2", "IfNotPresent"), ("app@sha256:abc", "IfNotPresent"),
    ])
    func imagePullPolicyFollowsTheTag(image: String, policy: String) {
        #expect(PodSpecDefaults.imagePullPolicy(for: image) == policy)
    }

    @Test func deploymentDefaults() {
        let (strategy, _) = Self.storage("Deployment", "apps")
        var d: JSONValue = ["spec": ["template": ["spec": ["containers": [["name": "c", "image": "i:1",
                                                                          "livenessProbe": ["httpGet": ["port": 80]]]]]]]]
        strategy.applyDefaults(&d)
        #expect(d["spec"]?["replicas"] == 1)
        #expect(d["spec"]?["strategy"] == ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": "25%", "maxSurge": "25%"]])
        #expect(d["spec"]?["revisionHistoryLimit"] == 10)
        #expect(d["spec"]?["progressDeadlineSeconds"] == 600)
        let pod = d["spec"]?["template"]?["spec"]
        #expect(pod?["restartPolicy"] == "Always")
        #expect(pod?["schedulerName"] == "default-scheduler")
        let probe = pod?["containers"]?[0]?["livenessProbe"]
        #expect(probe?["timeoutSeconds"] == 1)
        #expect(probe?["periodSeconds"] == 10)
        #expect(probe?["failureThreshold"] == 3)
        #expect(probe?["httpGet"]?["scheme"] == "HTTP")
    }

    @Test func jobDefaultsAndGeneratedSelector() {
        let (strategy, _) = Self.storage("Job", "batch")
        var job: JSONValue = ["metadata": ["name": "j", "uid": "u-1"],
                              "spec": ["template": ["spec": ["restartPolicy": "Never", "containers": [["name": "c", "image": "i:1"]]]]]]
        strategy.prepareForCreate(&job)
        strategy.applyDefaults(&job)
        #expect(job["spec"]?["backoffLimit"] == 6)
        #expect(job["spec"]?["completions"] == 1)
        #expect(job["spec"]?["parallelism"] == 1)
        #expect(job["spec"]?["completionMode"] == "NonIndexed")
        #expect(job["spec"]?["selector"]?["matchLabels"]?["batch.kubernetes.io/controller-uid"] == "u-1")
        #expect(job["spec"]?["template"]?["metadata"]?["labels"]?["job-name"] == "j")
        #expect(strategy.validate(job).isEmpty)
    }

    @Test(arguments: [
        ("Deployment", "apps", #"{"spec":{"replicas":-1,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}"#,
         "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
        ("Deployment", "apps", #"{"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"c"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}"#,
         "spec.template.metadata.labels: Invalid value: {\"a\":\"c\"}: `selector` does not match template `labels`"),
        ("Deployment", "apps", #"{"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"i"}]}}}}"#,
         #"spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always""#),
        ("Pod", "", #"{"spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":70000}]}]}}"#,
         "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"),
        ("Pod", "", #"{"spec":{"containers":[{"name":"c","image":"i","volumeMounts":[{"name":"v","mountPath":"/x"}]}]}}"#,
         #"spec.containers[0].volumeMounts[0].name: Not found: "v""#),
        ("ConfigMap", "", #"{"data":{"bad key":"x"}}"#,
         #"data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters"#),
        ("Secret", "", #"{"type":"kubernetes.io/tls","data":{"tls.crt":"eA=="}}"#, "data[tls.key]: Required value"),
        ("PodDisruptionBudget", "policy", #"{"spec":{"minAvailable":1,"maxUnavailable":1}}"#, "minAvailable and maxUnavailable cannot be both set"),
        ("PriorityClass", "scheduling.k8s.io", #"{"metadata":{"name":"x"},"value":2000000000}"#,
         "value: Forbidden: maximum allowed value of a user defined priority is 1000000000"),
        ("Service", "", #"{"spec":{"ports":[{"name":"a","port":80},{"name":"a","port":81}]}}"#, #"spec.ports[1].name: Duplicate value: "a""#),
        ("PersistentVolumeClaim", "", #"{"spec":{"resources":{"requests":{"storage":"1Gi"}}}}"#,
         "spec.accessModes: Required value: at least 1 access mode is required"),
        ("Job", "batch", #"{"spec":{"template":{"spec":{"restartPolicy":"Always","containers":[{"name":"c","image":"i"}]}}}}"#,
         #"spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never""#),
        ("CronJob", "batch", #"{"spec":{"schedule":"CRON_TZ=UTC 0 9 * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"i"}]}}}}}}"#,
         #"spec.schedule: Invalid value: "CRON_TZ=UTC 0 9 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"#),
        ("CronJob", "batch", #"{"spec":{"schedule":"0 9 * * *","timeZone":"Mars/Base","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"i"}]}}}}}}"#,
         #"spec.timeZone: Invalid value: "Mars/Base": unknown time zone Mars/Base"#),
        ("Endpoints", "", #"{"subsets":[{"addresses":[{"ip":"nope"}],"ports":[{"port":0}]}]}"#,
         #"subsets[0].addresses[0].ip: Invalid value: "nope": must be a valid IP address"#),
    ])
    func validationSaysWhatIsWrong(kind: String, group: String, json: String, expected: String) throws {
        let (strategy, _) = Self.storage(kind, group)
        var object = try JSONParser.parse(json)
        strategy.applyDefaults(&object)
        let messages = strategy.validate(object).map(\.description)
        #expect(messages.contains { $0.hasPrefix(expected) || $0.contains(expected) }, "got \(messages)")
    }

    @Test func immutableFieldsOnUpdate() throws {
        let (deployment, _) = Self.storage("Deployment", "apps")
        let old = try JSONParser.parse(#"{"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b","c":"d"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}"#)
        var new = old
        new.set(path: ["spec", "selector"], to: ["matchLabels": ["c": "d"]])
        #expect(deployment.validateUpdate(new, old: old).contains { $0.description.hasPrefix("spec.selector: Invalid value") && $0.detail == "field is immutable" })
        let (configMap, _) = Self.storage("ConfigMap")
        let frozen: JSONValue = ["immutable": true, "data": ["a": "1"]]
        var changed = frozen
        changed["data"] = ["a": "2"]
        #expect(configMap.validateUpdate(changed, old: frozen).map(\.description) == ["data: Forbidden: field is immutable when `immutable` is set"])
        let (pod, _) = Self.storage("Pod")
        let running: JSONValue = ["spec": ["containers": [["name": "c", "image": "i:1"]], "restartPolicy": "Always"]]
        var newImage = running
        newImage.set(path: ["spec", "containers"], to: [["name": "c", "image": "i:2"]])
        #expect(pod.validateUpdate(newImage, old: running).isEmpty)
        var newPolicy = running
        newPolicy.set(path: ["spec", "restartPolicy"], to: "Never")
        #expect(pod.validateUpdate(newPolicy, old: running).contains { $0.field == "spec" && $0.kind == .forbidden })
    }

    @Test func metadataRules() {
        let errors = ObjectMetaValidation.validate(["metadata": ["name": "Bad", "labels": ["ok": "bad value"]]], namespaced: false,
                                                   nameRule: .dns1123Label)
        #expect(errors.contains { $0.field == "metadata.name" })
        #expect(errors.contains { $0.field == "metadata.labels" && $0.value == "\"bad value\"" })
        #expect(ObjectMetaValidation.validate(["metadata": [:]], namespaced: true, nameRule: .dns1123Subdomain).map(\.description)
                == ["metadata.name: Required value: name or generateName is required", "metadata.namespace: Required value"])
    }
}
