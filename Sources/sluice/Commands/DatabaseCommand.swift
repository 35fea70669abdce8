import ArgumentParser
import Foundation
import Warehouse

/// `sluice db start|stop|status|url`: the local throwaway cluster.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Run a throwaway local PostgreSQL cluster (the embedded default).",
        discussion: """
            The cluster lives in --dir (default: SLUICE_DB_DIR, else ./.sluice), listens on 127.0.0.1 \
            only, trusts local connections, and runs from the system's PostgreSQL binaries \
            (apt-get install postgresql). As root, the server runs as the `postgres` user. \
            Database commands use it automatically when DATABASE_URL and PG* are unset.

            Example:
              export DATABASE_URL=$(sluice db start)
            """,
        subcommands: [Start.self, Stop.self, Status.self, URLCommand.self]
    )

    struct ClusterOptions: ParsableArguments {
        @Option(help: ArgumentHelp("Directory of the local cluster (default: SLUICE_DB_DIR, else ./.sluice).", valueName: "path"))
        var dir: String?

        var cluster: LocalCluster {
            dir.map { LocalCluster(directory: URL(fileURLWithPath: $0)) } ?? LocalCluster()
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Initialize (first time) and start the local cluster; print its DATABASE_URL.",
            discussion: "Idempotent: when the cluster already runs it only prints the URL. Progress goes to stderr, the URL to stdout."
        )
        @OptionGroup var options: ClusterOptions

        func run() async throws {
            let url = try await options.cluster.start { line in
                FileHandle.standardError.write(Data("sluice db: \(line)\n".utf8))
            }
            print(url)
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the local cluster (its data stays until you delete the directory).")
        @OptionGroup var options: ClusterOptions
        @Flag(help: "Stop without a shutdown checkpoint, like a crash (for recovery tests).")
        var immediate = false

        func run() throws {
            let cluster = options.cluster
            switch try cluster.stop(immediate: immediate) {
            case .stopped:
                print("stopped the local cluster in \(cluster.directory.path) (its data stays; `sluice db start` starts it again)")
            case .wasNotRunning:
                print("the local cluster in \(cluster.directory.path) was not running")
            case .noCluster:
                print("no local cluster in \(cluster.directory.path): nothing to stop")
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether the local cluster runs; exit 0 when it does, 3 when not.")
        @OptionGroup var options: ClusterOptions

        func run() throws {
            let cluster = options.cluster
            switch try cluster.state() {
            case .running(let url):
                print("running: \(url) (directory \(cluster.directory.path))")
            case .stopped:
                print("stopped (directory \(cluster.directory.path)); start it with `sluice db start`")
                throw ExitCode(3)
            case .notInitialized:
                print("no cluster in \(cluster.directory.path); create and start one with `sluice db start`")
                throw ExitCode(3)
            }
        }
    }

    struct URLCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "url",
            abstract: "Print the local cluster's DATABASE_URL (exit 3 when it is not running)."
        )
        @OptionGroup var options: ClusterOptions
        @Flag(help: "Print the URL of the maintenance database `postgres` instead (to create databases).")
        var admin = false

        func run() throws {
            let cluster = options.cluster
            guard let url = admin ? cluster.adminURL() : cluster.runningURL() else {
                FileHandle.standardError.write(Data("sluice db: the local cluster in \(cluster.directory.path) is not running; start it with `sluice db start`\n".utf8))
                throw ExitCode(3)
            }
            print(url)
        }
    }
}
