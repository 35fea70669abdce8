import ArgumentParser

/// `sluice gdpr …`: compliance staff's requests about one person.
struct GDPRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gdpr",
        abstract: "Compliance staff's requests about one person: find, export, erase (GDPR Articles 15 and 17).",
        discussion: """
            A subject is --tenant T plus --user U, --email E or --phone P, and every alias stitched to \
            the user (docs/compliance.md). Run as a member of sluice_compliance, with \
            SLUICE_PII_HASH_SECRET set as for the loader. Every request is audited.
            """,
        subcommands: [GDPRFindCommand.self, GDPRExportCommand.self, GDPREraseCommand.self, GDPRStatusCommand.self, GDPRListCommand.self]
    )
}
