import ArgumentParser

@main
struct Swiftlet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftlet",
        abstract: "A Kubernetes-compatible container orchestrator in one binary.",
        subcommands: [ServerCommand.self, ImagesCommand.self, ControllersCommand.self, SchedulerCommand.self, VersionCommand.self]
    )
}
