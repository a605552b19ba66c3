import Foundation
import GRPCCore
import Testing

@testable import SwiftletCRI

@Suite struct CRIClientUnitTests {
    @Test func acceptsUnixEndpointsOnly() throws {
        #expect(try CRIRuntimeClient.socketPath(fromEndpoint: "unix:///run/containerd/containerd.sock") == "/run/containerd/containerd.sock")
        #expect(try CRIRuntimeClient.socketPath(fromEndpoint: "/run/x.sock") == "/run/x.sock")
        #expect(throws: ContainerRuntimeError.self) { try CRIRuntimeClient.socketPath(fromEndpoint: "tcp://127.0.0.1:1234") }
        #expect(throws: ContainerRuntimeError.self) { try CRIRuntimeClient.socketPath(fromEndpoint: "unix://relative.sock") }
    }

    @Test func findsTheIDOfAReservedName() {
        let sandbox = #"failed to reserve sandbox name "web_default_uid_0": name "web_default_uid_0" is reserved for "4f1c0a""#
        #expect(CRIRuntimeClient.reservedID(in: sandbox) == "4f1c0a")
        let container = #"rpc error: failed to reserve container name "c_web_default_uid_0": name "c" is reserved for "9ab""#
        #expect(CRIRuntimeClient.reservedID(in: container) == "9ab")
        #expect(CRIRuntimeClient.reservedID(in: "failed to create containerd task") == nil)
    }

    @Test(arguments: [
        (RPCError.Code.notFound, ContainerRuntimeError.Code.notFound),
        (.alreadyExists, .alreadyExists),
        (.unavailable, .unavailable),
        (.invalidArgument, .invalid),
        (.failedPrecondition, .conflict),
        (.unimplemented, .unsupported),
        (.permissionDenied, .forbidden),
        (.deadlineExceeded, .timeout),
        (.cancelled, .cancelled),
        (.unknown, .internal),
    ])
    func mapsGRPCCodes(grpc: RPCError.Code, expected: ContainerRuntimeError.Code) {
        let error = ContainerRuntimeError(
            mapping: RPCError(code: grpc, message: "boom"), operation: "ContainerStatus", endpoint: "unix:///x.sock")
        #expect(error.code == expected)
        #expect(error.operation == "ContainerStatus")
        #expect(error.message.hasPrefix("boom"))
    }

    @Test func mapsCancellation() {
        #expect(ContainerRuntimeError(mapping: CancellationError(), operation: "Version", endpoint: "").code == .cancelled)
    }

    @Test func readsTheNamesCtrImported() {
        let output = """
            unpacking docker.io/library/busybox:1.36 (sha256:121f16774ae15a198c402d8b1447313187a36be1ebd964490f5ad5f699faa5d7)...done
            unpacking busybox:1.37 (sha256:00e147d4517c699b6f09e8da01550cfad7d1075a57eeeb8a919dfeba51074341)...done
            """
        #expect(ImageArchiveImporter.importedNames(in: output) == ["docker.io/library/busybox:1.36", "busybox:1.37"])
    }

    @Test func convertsTimestamps() {
        #expect(Date(nanosecondsSince1970: 0) == nil)
        #expect(Date(nanosecondsSince1970: 1_700_000_000_500_000_000)?.timeIntervalSince1970 == 1_700_000_000.5)
    }
}

@Suite struct MountTableTests {
    @Test func mountTableReadsEscapedMountPoints() {
        #expect(MountTable.unescape("/var/lib/my\\040dir\\011x") == "/var/lib/my dir\tx")
        #expect(MountTable.unescape("/plain") == "/plain")
        #expect(MountTable.unescape("/trailing\\04") == "/trailing\\04")
        #expect(MountTable.mountPoints(under: "/proc").first.map { $0.hasPrefix("/proc") } ?? false)
    }
}
