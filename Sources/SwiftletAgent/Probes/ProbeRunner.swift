import Foundation
import SwiftletAPI
import SwiftletCRI

/// Runs one probe (or lifecycle handler) against a container: exec through the runtime, httpGet and tcpSocket
/// against the pod's IP (or the probe's host).
struct ProbeRunner: Sendable {
    let runtime: any ContainerRuntime
    let container: Container
    let containerID: String
    let podIP: String

    func run(_ probe: Probe) async -> ProbeOutcome {
        let timeout = probe.timeout
        if let exec = probe.exec {
            return await runExec(exec.command ?? [], timeout: timeout)
        }
        if let http = probe.httpGet {
            return await runHTTPGet(http, timeout: timeout)
        }
        if let tcp = probe.tcpSocket {
            guard let port = resolve(tcp.port) else { return .failure("unknown port \(String(describing: tcp.port))") }
            let host = tcp.host.flatMap { $0.isEmpty ? nil : $0 } ?? podIP
            do {
                try await SocketProbe.connect(host: host, port: port, timeout: timeout, request: nil)
                return .success
            } catch {
                return .failure("dial tcp \(host):\(port): \(error)")
            }
        }
        return .failure("probe has no handler")
    }

    /// A postStart or preStop handler: exec, httpGet or sleep (tcpSocket is accepted by the API for old
    /// manifests and does nothing, as in kubelet).
    func runHandler(_ handler: LifecycleHandler, timeout: Duration) async -> ProbeOutcome {
        if let exec = handler.exec { return await runExec(exec.command ?? [], timeout: timeout) }
        if let http = handler.httpGet { return await runHTTPGet(http, timeout: timeout) }
        if let sleep = handler.sleep {
            let seconds = Duration.seconds(max(sleep.seconds ?? 0, 0))
            try? await Task.sleep(for: min(seconds, timeout))
            return .success
        }
        return .success
    }

    func runExec(_ command: [String], timeout: Duration) async -> ProbeOutcome {
        do {
            let result = try await runtime.execSync(containerID: containerID, command: command, timeout: timeout)
            if result.exitCode == 0 { return .success }
            let output = String(decoding: result.stdout + result.stderr, as: UTF8.self)
            return .failure("command \(command) exited with \(result.exitCode): \(output)")
        } catch {
            return .failure("exec failed: \(error)")
        }
    }

    func runHTTPGet(_ action: HTTPGetAction, timeout: Duration) async -> ProbeOutcome {
        guard let port = resolve(action.port) else { return .failure("unknown port \(String(describing: action.port))") }
        let host = action.host.flatMap { $0.isEmpty ? nil : $0 } ?? podIP
        var path = action.path ?? "/"
        if !path.hasPrefix("/") { path = "/" + path }
        var headers = "Host: \(host):\(port)\r\nUser-Agent: kube-probe/1.32\r\nAccept: */*\r\nConnection: close\r\n"
        for header in action.httpHeaders ?? [] {
            guard let name = header.name else { continue }
            headers += "\(name): \(header.value ?? "")\r\n"
        }
        let request = "GET \(path) HTTP/1.1\r\n\(headers)\r\n"
        do {
            let response = try await SocketProbe.connect(host: host, port: port, timeout: timeout, request: Data(request.utf8))
            let statusLine = String(decoding: response.prefix(64), as: UTF8.self).split(separator: " ")
            guard statusLine.count >= 2, let code = Int(statusLine[1]) else { return .failure("malformed HTTP response") }
            return (200..<400).contains(code) ? .success : .failure("HTTP probe failed with statuscode: \(code)")
        } catch {
            return .failure("Get \"http://\(host):\(port)\(path)\": \(error)")
        }
    }

    /// A port number, or a container port's name.
    func resolve(_ port: IntOrString?) -> Int32? {
        switch port {
        case .int(let number): return number
        case .string(let name):
            if let number = Int32(name) { return number }
            return container.ports?.first { $0.name == name }?.containerPort
        case nil: return nil
        }
    }
}
