import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP connection for probes with a deadline, on a thread of its own: blocking sockets with timeouts are
/// simplest, and a thread per probe keeps them off Swift's cooperative pool.
enum SocketProbe {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Connects to `host:port` (IPv4); when `request` is given, sends it and returns what the peer answers until it
    /// closes the connection (at most 4 KiB).
    @discardableResult
    static func connect(host: String, port: Int32, timeout: Duration, request: Data?) async throws -> Data {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try blockingExchange(host: host, port: port, timeout: timeout, request: request) })
            }
            thread.start()
        }
    }

    private static func blockingExchange(host: String, port: Int32, timeout: Duration, request: Data?) throws -> Data {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw Failure(description: "not an IPv4 address: \(host)") }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let seconds = timeout.components.seconds
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect: \(String(cString: strerror(errno)))") }
        guard let request else { return Data() }
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
        var response = Data()
        var buffer = [UInt8](repeating: 0, count: 1024)
        while response.count < 4096 {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0 {
                if response.isEmpty { throw Failure(description: "read: \(String(cString: strerror(errno)))") }
                break
            }
            if count == 0 { break }
            response.append(contentsOf: buffer[0..<count])
        }
        return response
    }
}
