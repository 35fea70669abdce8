import CSupport
import Foundation

/// Runs a system program to completion and captures its output.
///
/// `posix_spawn` + `waitpid`, not Foundation's `Process`: `pg_ctl start` daemonizes the postmaster,
/// and `Process.waitUntilExit` was seen to never return then (the daemon kept its exit monitor open). Output goes to a temporary file, not
/// a pipe, because the postmaster inherits the descriptor and a pipe would never reach EOF.
struct ProcessRunner {
    struct Outcome {
        var status: Int32
        var output: String
    }

    struct SpawnFailure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ executable: String, _ arguments: [String], asUser user: String? = nil) throws -> Outcome {
        let argv = user.map { ["/usr/sbin/runuser", "-u", $0, "--", executable] } ?? [executable]
        let fullArguments = argv + arguments
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-\(UUID().uuidString).out").path
        defer { unlink(outputPath) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing above stderr reaches the child: `pg_ctl start` leaves a daemon behind, and a
        // descriptor it inherited (a parent's pipe, Foundation's exit monitor) would stay open as
        // long as PostgreSQL runs, so whoever waits on that descriptor would wait forever.
        sluice_spawn_actions_close_from(&actions, 3)

        var cArguments: [UnsafeMutablePointer<CChar>?] = fullArguments.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, fullArguments[0], &actions, nil, &cArguments, environ)
        guard spawned == 0 else {
            throw SpawnFailure(description: "cannot run \(fullArguments[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { break }
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
        let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(status: exitCode, output: output)
    }
}
