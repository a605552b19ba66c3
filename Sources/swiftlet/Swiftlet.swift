import ArgumentParser

@main
struct Swiftlet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftlet",
        abstract: "A Kubernetes-compatible container orchestrator in one binary.",
        subcommands: [ServerCommand.self, AgentCommand.self, ControllersCommand.self, SchedulerCommand.self, ImagesCommand.self,
                      VersionCommand.self]
    )
}
