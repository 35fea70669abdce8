import Analytics
import ArgumentParser
import Foundation

/// `sluice refresh`.
struct RefreshCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Bring the analytics schema (what BI tools read) up to date with the loaded events.",
        discussion: """
            Updates the analytics tables — dim_date, identity_links, dim_users, dim_devices, \
            kpi_daily, funnel_step, inventory_daily, device_metrics — with the events loaded since \
            the last refresh (each load batch marks the (tenant, day) buckets it touched), and the \
            days those changes reach (an anonymous session identified later is credited on every day \
            it appears). Its cost follows what arrived, not the size of the warehouse; late and \
            out-of-order events touch only their own day. --full rebuilds everything from events and \
            gives the same rows.

            One transaction: BI readers see the old figures or the new ones, never half a day. One \
            refresh at a time: a second one waits, and reports that wait apart from its own time. \
            A refresh whose process dies (kill -9, a lost host) is stopped by the server within \
            seconds, rolled back, and its lock freed. Loads are never blocked, and a load that commits \
            while a refresh runs is picked up by the next one. While a load or queue consumer is \
            writing events, the refresh pauses between its steps (--yield-to-loads) so ingestion keeps \
            most of the machine; a pause ends as soon as no load runs. Run it from cron or after each \
            load:

              sluice load --tenant acme events.ndjson && sluice refresh

            What it reports, per table: the rows it INSERTED (new keys), UPDATED (values that \
            changed) and DELETED in that table — what changed, each row once: a row recomputed \
            equal to what was there counts nowhere, so a refresh with nothing new reports 0 0 0. \
            A --full rebuild empties the tables and writes them again: DELETED is the rows they \
            held, INSERTED the rows they hold now (dim_date, which it keeps, counts its changes). \
            The bookkeeping tables behind them (identity_pairs, alias_days, user_days, \
            user_attribute_values, device_days, funnel_user_days) are not counted; their time is \
            in the SECONDS of the table they serve.

            On failure it exits 1, changes nothing, and says what to do (with --json, as the \
            "error" member of one JSON object).

            Metric definitions: docs/metrics.md.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Rebuild every analytics table from all events instead of the dirty buckets.")
    var full = false

    @Option(name: .customLong("yield-to-loads"),
            help: ArgumentHelp("While loads write events, pause between steps for up to this many times the seconds just worked, so the refresh takes at most 1/(1+ratio) of the time while they run (0: never pause).",
                               valueName: "ratio"))
    var yieldRatio: Double = 4

    @Flag(help: "Print one JSON object: full, buckets, days_recomputed, events_read, read_seconds, yielded_seconds, waited_seconds (for another refresh's lock, not part of seconds), seconds, objects [{object, inserted, updated, deleted, buckets, seconds}]; when the refresh fails or is stopped, {error, interrupted_by?} instead.")
    var json = false

    func validate() throws {
        guard yieldRatio.isFinite, yieldRatio >= 0, yieldRatio <= 100 else {
            throw ValidationError("--yield-to-loads takes a ratio from 0 (never pause) to 100; got \(yieldRatio)")
        }
    }

    func run() async throws {
        // An unmigrated database or a login without sluice_refresher is told what to do before
        // any work (and before the refresh lock is waited for).
        do {
            try await Preflight.check(connection.resolvedConnectionString(), need: .refresher)
        } catch {
            let message = String(describing: error)
            if json { print(RefreshReport.failureJSON(message)) }
            FileHandle.standardError.write(Data("sluice refresh: \(message)\n".utf8))
            throw ExitCode(1)
        }
        let job = RefreshJob(connectionString: connection.resolvedConnectionString())
        // SIGINT/SIGTERM cancel the refresh on the server (its transaction rolls back, nothing of it
        // is kept, its lock is released) rather than leaving the server to finish for nobody; a
        // second signal exits at once.
        let interrupt = RefreshInterrupt(job: job)
        let report: RefreshReport
        do {
            report = try await job.run(full: full, yieldRatio: yieldRatio, onBackend: { interrupt.backend = $0 }) { line in
                FileHandle.standardError.write(Data("sluice refresh: \(line)\n".utf8))
            }
        } catch {
            if let received = interrupt.received {
                let signal = received == SIGINT ? "SIGINT" : "SIGTERM"
                let message = "stopped by \(signal); the refresh was rolled back, the analytics tables are as before and the dirty marks stay for the next refresh"
                if json { print(RefreshReport.failureJSON(message, interruptedBy: signal)) }
                FileHandle.standardError.write(Data("sluice refresh: \(message)\n".utf8))
                throw ExitCode(128 + received)
            }
            // Scripts reading --json get an object they can parse, not an empty stdout.
            let failure = RefreshFailure(error)
            if json { print(RefreshReport.failureJSON(failure.description)) }
            FileHandle.standardError.write(Data("sluice refresh: \(failure.description)\n".utf8))
            throw ExitCode(1)
        }
        if json {
            print(report.json)
            return
        }
        let waited = report.waitedForLock ? "waited \(String(format: "%.2f", report.waitedSeconds)) s for another refresh; " : ""
        // A full rebuild recomputes every bucket with events, dirty or not.
        let what = report.full
            ? "all \(counted(report.buckets, "bucket")) with events (full rebuild)"
            : "\(counted(report.buckets, "dirty bucket"))"
              + (report.daysRecomputed > report.buckets ? " and \(report.daysRecomputed - report.buckets) more they reached" : "")
              + " (incremental)"
        let changed = report.objects.reduce(Int64(0)) { $0 + $1.changed }
        print("\(waited)refreshed \(what) in \(String(format: "%.2f", report.seconds)) s; "
              + "read \(counted(report.eventsRead, "event")) in \(String(format: "%.2f", report.readSeconds)) s"
              + (report.yieldedSeconds > 0 ? "; paused \(String(format: "%.2f", report.yieldedSeconds)) s for loads" : "")
              + (changed == 0 ? "; no row changed" : ""))
        print(StatusTable.render(header: ["OBJECT", "INSERTED", "UPDATED", "DELETED", "SECONDS"], rightAligned: [1, 2, 3, 4],
                                 rows: report.objects.map {
            [$0.name, String($0.inserted), String($0.updated), String($0.deleted), String(format: "%.3f", $0.seconds)]
        }))
    }
}

/// Turns SIGINT/SIGTERM during `sluice refresh` into a cancel of the refresh's server session.
final class RefreshInterrupt: @unchecked Sendable {
    // @unchecked Sendable: the mutable state is only touched under `lock`; the dispatch sources are
    // set up in init and only kept alive afterwards.
    private let lock = NSLock()
    private var backendPID: Int32?
    private var receivedSignal: Int32?
    private var sources: [DispatchSourceSignal] = []

    init(job: RefreshJob) {
        sources = handleStopSignals { [weak self] number in
            guard let self else { return }
            self.lock.lock()
            let first = self.receivedSignal == nil
            if first { self.receivedSignal = number }
            let pid = self.backendPID
            self.lock.unlock()
            guard first, let pid else { Foundation.exit(128 + number) }
            FileHandle.standardError.write(Data("sluice refresh: cancelling (again to quit at once)\n".utf8))
            Task {
                do { try await job.cancel(backend: pid) } catch { Foundation.exit(128 + number) }
            }
        }
    }

    var backend: Int32? {
        get { lock.lock(); defer { lock.unlock() }; return backendPID }
        set { lock.lock(); backendPID = newValue; lock.unlock() }
    }

    var received: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return receivedSignal
    }
}
