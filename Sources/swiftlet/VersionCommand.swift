import ArgumentParser
import SwiftletAPIServer

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() {
        print("swiftlet \(VersionInfo.gitVersion)")
    }
}
