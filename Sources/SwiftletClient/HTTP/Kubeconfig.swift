import Foundation
import SwiftletAPI
import Yams

/// The parts of a kubeconfig file a client needs: the current context's server and namespace.
///
/// TLS (`certificate-authority-data`, client certificates) and bearer tokens come with authentication in a
/// later issue; they are read here already so that adding them to `HTTPTransport` is local.
public struct KubeconfigFile: Sendable, Hashable {
    /// The API server URL of the current context's cluster (`http://127.0.0.1:6443`).
    public var server: String
    /// The current context's namespace, if it sets one.
    public var namespace: String?
    /// The current context's user's bearer token, if any (not used yet).
    public var token: String?
    /// The cluster's CA certificate, base64 PEM (not used yet).
    public var certificateAuthorityData: String?

    public init(server: String, namespace: String? = nil, token: String? = nil, certificateAuthorityData: String? = nil) {
        self.server = server
        self.namespace = namespace
        self.token = token
        self.certificateAuthorityData = certificateAuthorityData
    }

    /// Reads and parses the file at `path`; throws `APIError` (bad request) naming what is missing.
    public static func load(path: String) throws -> KubeconfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw APIError.badRequest("cannot read kubeconfig \(path): \(error.localizedDescription)")
        }
        return try parse(text, source: path)
    }

    /// Parses kubeconfig YAML.
    public static func parse(_ yaml: String, source: String = "kubeconfig") throws -> KubeconfigFile {
        let document: Document
        do {
            document = try YAMLDecoder().decode(Document.self, from: yaml)
        } catch {
            throw APIError.badRequest("cannot parse \(source): \(error)")
        }
        let contextName = document.currentContext ?? document.contexts?.first?.name
        let context = document.contexts?.first { $0.name == contextName }?.context
        let clusterName = context?.cluster ?? document.clusters?.first?.name
        guard let cluster = document.clusters?.first(where: { $0.name == clusterName })?.cluster ?? document.clusters?.first?.cluster,
              let server = cluster.server, !server.isEmpty
        else {
            throw APIError.badRequest("\(source) names no cluster server for context \"\(contextName ?? "")\"")
        }
        let user = document.users?.first { $0.name == context?.user }?.user
        return KubeconfigFile(server: server, namespace: context?.namespace, token: user?.token,
                              certificateAuthorityData: cluster.certificateAuthorityData)
    }

    private struct Document: Decodable {
        var currentContext: String?
        var clusters: [NamedCluster]?
        var contexts: [NamedContext]?
        var users: [NamedUser]?

        enum CodingKeys: String, CodingKey {
            case currentContext = "current-context"
            case clusters, contexts, users
        }
    }

    private struct NamedCluster: Decodable {
        var name: String
        var cluster: Cluster?
    }

    private struct Cluster: Decodable {
        var server: String?
        var certificateAuthorityData: String?
        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthorityData = "certificate-authority-data"
        }
    }

    private struct NamedContext: Decodable {
        var name: String
        var context: Context?
    }

    private struct Context: Decodable {
        var cluster: String?
        var user: String?
        var namespace: String?
    }

    private struct NamedUser: Decodable {
        var name: String
        var user: User?
    }

    private struct User: Decodable {
        var token: String?
    }
}
