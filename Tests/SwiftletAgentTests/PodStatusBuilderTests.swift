import Foundation
import SwiftletAPI
import Testing

@testable import SwiftletAgent

@Suite struct PodStatusBuilderTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func pod(restartPolicy: String = "Always", inits: [String] = [], containers: [String] = ["main"]) -> Pod {
        Pod(metadata: ObjectMeta(name: "web", namespace: "default", uid: "uid-1"),
            spec: PodSpec(containers: containers.map { Container(image: "busybox:1.36", name: $0) },
                          initContainers: inits.isEmpty ? nil : inits.map { Container(image: "busybox:1.36", name: $0) },
                          nodeName: "node", restartPolicy: restartPolicy),
            status: PodStatus(conditions: [PodCondition(lastTransitionTime: Time(now.addingTimeInterval(-60)), status: "True", type: "PodScheduled")],
                              phase: "Pending", qosClass: "BestEffort"))
    }

    func run(_ id: String, attempt: UInt32 = 0, running: Bool, exitCode: Int32 = 0) -> ContainerObservation.Run {
        ContainerObservation.Run(id: id, attempt: attempt, state: running ? .running : .exited, startedAt: now.addingTimeInterval(-10),
                                 finishedAt: running ? nil : now.addingTimeInterval(-5), exitCode: exitCode, imageID: "sha256:abc")
    }

    func condition(_ status: PodStatus, _ type: String) -> PodCondition? { status.conditions?.first { $0.type == type } }

    @Test func creatingPodIsPendingWithContainerCreating() {
        let builder = PodStatusBuilder(pod: pod(), hostIP: "127.0.0.1", podIP: nil, sandboxReady: false, initContainers: [],
                                       containers: [ContainerObservation(name: "main", image: "busybox:1.36")], startTime: now)
        let status = builder.status(now: now)
        #expect(status.phase == "Pending")
        #expect(status.containerStatuses?.first?.state?.waiting?.reason == "ContainerCreating")
        #expect(status.containerStatuses?.first?.ready == false)
        #expect(condition(status, "PodReadyToStartContainers")?.status == "False")
        #expect(condition(status, "Ready")?.reason == "ContainersNotReady")
        #expect(condition(status, "Ready")?.message == "containers with unready status: [main]")
        #expect(condition(status, "PodScheduled")?.lastTransitionTime == Time(now.addingTimeInterval(-60)))
        #expect(status.qosClass == "BestEffort")
        #expect(status.hostIPs == [HostIP(ip: "127.0.0.1")])
    }

    @Test func runningReadyPodReportsIDsIPsAndConditions() {
        let observation = ContainerObservation(name: "main", image: "busybox:1.36", latest: run("c1", running: true))
        let status = PodStatusBuilder(pod: pod(), hostIP: "127.0.0.1", podIP: "10.42.0.5", sandboxReady: true, initContainers: [],
                                      containers: [observation], startTime: now).status(now: now)
        #expect(status.phase == "Running")
        #expect(status.podIP == "10.42.0.5")
        #expect(status.podIPs == [PodIP(ip: "10.42.0.5")])
        let container = status.containerStatuses?.first
        #expect(container?.containerID == "containerd://c1")
        #expect(container?.imageID == "sha256:abc")
        #expect(container?.ready == true)
        #expect(container?.started == true)
        #expect(container?.state?.running?.startedAt == Time(now.addingTimeInterval(-10)))
        for type in ["PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready", "PodScheduled"] {
            #expect(condition(status, type)?.status == "True", "\(type)")
        }
        #expect(status.startTime == Time(now))
    }

    @Test func failingReadinessKeepsPodUnready() {
        var observation = ContainerObservation(name: "main", image: "busybox:1.36", latest: run("c1", running: true))
        observation.ready = false
        let status = PodStatusBuilder(pod: pod(), hostIP: "127.0.0.1", podIP: "10.42.0.5", sandboxReady: true, initContainers: [],
                                      containers: [observation], startTime: now).status(now: now)
        #expect(status.phase == "Running")
        #expect(condition(status, "Ready")?.status == "False")
        #expect(status.containerStatuses?.first?.started == true)
    }

    @Test func crashLoopShowsWaitingWithLastStateAndRestartCount() {
        var observation = ContainerObservation(name: "main", image: "busybox:1.36", latest: run("c2", attempt: 1, running: false, exitCode: 1),
                                               previous: run("c1", running: false, exitCode: 1))
        observation.waiting = ContainerObservation.Waiting(reason: "CrashLoopBackOff", message: "back-off 10s restarting failed container")
        let status = PodStatusBuilder(pod: pod(restartPolicy: "OnFailure"), hostIP: "127.0.0.1", podIP: "10.42.0.5", sandboxReady: true,
                                      initContainers: [], containers: [observation], startTime: now).status(now: now)
        let container = status.containerStatuses?.first
        #expect(container?.state?.waiting?.reason == "CrashLoopBackOff")
        #expect(container?.lastState?.terminated?.exitCode == 1)
        #expect(container?.lastState?.terminated?.reason == "Error")
        #expect(container?.lastState?.terminated?.containerID == "containerd://c2")
        #expect(container?.restartCount == 1)
        #expect(status.phase == "Running")
    }

    @Test func phasesFollowKubeletsGetPhase() {
        func phase(_ policy: String, _ codes: [Int32?]) -> String {
            let observations = codes.enumerated().map { index, code in
                ContainerObservation(name: "c\(index)", image: "i", latest: code.map { run("id\(index)", running: false, exitCode: $0) }
                                     ?? run("id\(index)", running: true))
            }
            let builder = PodStatusBuilder(pod: pod(restartPolicy: policy, containers: observations.map(\.name)), hostIP: "h", podIP: "p",
                                           sandboxReady: true, initContainers: [], containers: observations, startTime: now)
            return builder.status(now: now).phase ?? ""
        }
        #expect(phase("Never", [0, 0]) == "Succeeded")
        #expect(phase("Never", [0, 1]) == "Failed")
        #expect(phase("OnFailure", [0, 0]) == "Succeeded")
        #expect(phase("OnFailure", [0, 1]) == "Running")
        #expect(phase("Always", [0, 0]) == "Running")
        #expect(phase("Never", [nil, 0]) == "Running")
    }

    @Test func initContainersGateThePod() {
        let pending = PodStatusBuilder(
            pod: pod(inits: ["setup"]), hostIP: "h", podIP: "p", sandboxReady: true,
            initContainers: [ContainerObservation(name: "setup", image: "i", latest: run("i1", running: true))],
            containers: [ContainerObservation(name: "main", image: "i", waiting: .init(reason: "PodInitializing"))], startTime: now).status(now: now)
        #expect(pending.phase == "Pending")
        #expect(condition(pending, "Initialized")?.status == "False")
        #expect(condition(pending, "Initialized")?.reason == "ContainersNotInitialized")
        #expect(condition(pending, "Initialized")?.message == "containers with incomplete status: [setup]")
        #expect(pending.containerStatuses?.first?.state?.waiting?.reason == "PodInitializing")

        let done = PodStatusBuilder(
            pod: pod(inits: ["setup"]), hostIP: "h", podIP: "p", sandboxReady: true,
            initContainers: [ContainerObservation(name: "setup", image: "i", latest: run("i1", running: false, exitCode: 0))],
            containers: [ContainerObservation(name: "main", image: "i", latest: run("c1", running: true))], startTime: now).status(now: now)
        #expect(done.phase == "Running")
        #expect(condition(done, "Initialized")?.status == "True")
        #expect(done.initContainerStatuses?.first?.state?.terminated?.reason == "Completed")
        #expect(done.initContainerStatuses?.first?.ready == true)

        let failed = PodStatusBuilder(
            pod: pod(restartPolicy: "Never", inits: ["setup"]), hostIP: "h", podIP: "p", sandboxReady: true,
            initContainers: [ContainerObservation(name: "setup", image: "i", latest: run("i1", running: false, exitCode: 2))],
            containers: [ContainerObservation(name: "main", image: "i", waiting: .init(reason: "PodInitializing"))], startTime: now).status(now: now)
        #expect(failed.phase == "Failed")
    }

    @Test func sidecarsHoldInitializationUntilStartedCountForReadinessAndNotForTheFinalPhase() {
        func sidecarPod(_ policy: String) -> Pod {
            var pod = pod(restartPolicy: policy, inits: ["proxy", "setup"])
            pod.spec?.initContainers?[0].restartPolicy = "Always"
            return pod
        }
        // The sidecar runs but its startup probe has not passed: the pod is still initializing.
        var starting = ContainerObservation(name: "proxy", image: "i", latest: run("s1", running: true))
        starting.started = false
        starting.ready = false
        let initializing = PodStatusBuilder(
            pod: sidecarPod("Always"), hostIP: "h", podIP: "p", sandboxReady: true,
            initContainers: [starting, ContainerObservation(name: "setup", image: "i", waiting: .init(reason: "PodInitializing"))],
            containers: [ContainerObservation(name: "main", image: "i", waiting: .init(reason: "PodInitializing"))], startTime: now).status(now: now)
        #expect(initializing.phase == "Pending")
        #expect(condition(initializing, "Initialized")?.message == "containers with incomplete status: [proxy setup]")
        #expect(initializing.initContainerStatuses?.first?.started == false)

        // Started and past the regular init container: Running, and Ready only when the sidecar is ready too.
        var unready = ContainerObservation(name: "proxy", image: "i", latest: run("s1", running: true))
        unready.ready = false
        let setupDone = ContainerObservation(name: "setup", image: "i", latest: run("i1", running: false, exitCode: 0))
        let running = PodStatusBuilder(
            pod: sidecarPod("Always"), hostIP: "h", podIP: "p", sandboxReady: true, initContainers: [unready, setupDone],
            containers: [ContainerObservation(name: "main", image: "i", latest: run("c1", running: true))], startTime: now).status(now: now)
        #expect(running.phase == "Running")
        #expect(condition(running, "Initialized")?.status == "True")
        #expect(condition(running, "ContainersReady")?.message == "containers with unready status: [proxy]")
        #expect(running.initContainerStatuses?.first?.state?.running != nil)
        #expect(running.initContainerStatuses?.first?.started == true)

        // A restarting sidecar does not take an initialized pod back to Pending.
        let restarting = PodStatusBuilder(
            pod: sidecarPod("Always"), hostIP: "h", podIP: "p", sandboxReady: true,
            initContainers: [ContainerObservation(name: "proxy", image: "i", latest: run("s2", attempt: 1, running: false, exitCode: 1),
                                                  waiting: .init(reason: "CrashLoopBackOff")), setupDone],
            containers: [ContainerObservation(name: "main", image: "i", latest: run("c1", running: true))], startTime: now).status(now: now)
        #expect(restarting.phase == "Running")
        #expect(condition(restarting, "Initialized")?.status == "True")

        // The main container succeeded under Never: while the sidecar still runs the pod is Running, once it was
        // stopped the pod Succeeded whatever the sidecar's exit code, and a stopped sidecar is not ready.
        let mainDone = ContainerObservation(name: "main", image: "i", latest: run("c1", running: false, exitCode: 0))
        let windingDown = PodStatusBuilder(
            pod: sidecarPod("Never"), hostIP: "h", podIP: "p", sandboxReady: true,
            initContainers: [ContainerObservation(name: "proxy", image: "i", latest: run("s1", running: true)), setupDone],
            containers: [mainDone], startTime: now).status(now: now)
        #expect(windingDown.phase == "Running")
        let finished = PodStatusBuilder(
            pod: sidecarPod("Never"), hostIP: "h", podIP: "p", sandboxReady: true,
            initContainers: [ContainerObservation(name: "proxy", image: "i", latest: run("s1", running: false, exitCode: 137)), setupDone],
            containers: [mainDone], startTime: now).status(now: now)
        #expect(finished.phase == "Succeeded")
        #expect(finished.initContainerStatuses?.first?.ready == false)
    }

    @Test func transitionTimesStayWhileStatusStays() {
        var base = pod()
        let earlier = Time(now.addingTimeInterval(-30))
        base.status?.conditions?.append(PodCondition(lastTransitionTime: earlier, status: "True", type: "Ready"))
        let observation = ContainerObservation(name: "main", image: "i", latest: run("c1", running: true))
        let status = PodStatusBuilder(pod: base, hostIP: "h", podIP: "p", sandboxReady: true, initContainers: [], containers: [observation],
                                      startTime: now).status(now: now)
        #expect(condition(status, "Ready")?.lastTransitionTime == earlier)
        #expect(condition(status, "ContainersReady")?.lastTransitionTime == Time(now))
    }
}
