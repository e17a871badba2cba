import ArgumentParser

/// The root command: the Saba look-alike, and the demo that runs `saba-recon` against it.
/// A binary of its own so the production `saba-recon` links no HTTP server.
struct SandboxTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saba-sandbox",
        abstract: "A Saba sportsbook look-alike for trying and testing saba-recon.",
        discussion: """
            `saba-sandbox serve` (the default) serves GetBetDetails and POST /login with synthetic tickets and fault switches. `saba-sandbox demo` starts it, writes a demo ledger and refund records with seeded mistakes, runs the saba-recon binary beside this one and checks that every mistake was reported.
            """,
        subcommands: [ServeCommand.self, DemoCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
