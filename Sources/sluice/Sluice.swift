import ArgumentParser

@main
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "PostgreSQL analytics warehouse loader.",
        subcommands: [ValidateCommand.self]
    )
}
