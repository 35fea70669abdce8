import ArgumentParser
struct PartitionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "partitions", abstract: "List and create partitions.")
}
