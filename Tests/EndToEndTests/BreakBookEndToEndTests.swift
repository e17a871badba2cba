import Foundation
import GRDB
import SabaReconCore
import SabaReconIO
import SabaSandbox
import Testing
import TestSupport

/// SPEC §9 end to end: four nights of the built CLI over one report root, the clock moving a
/// day at a time and the ledger changing between them, with people acknowledging breaks.
@Suite(.serialized) struct BreakBookEndToEndTests {
    static let nights = ["2026-07-20T12:00:00Z", "2026-07-21T12:00:00Z", "2026-07-22T12:00:00Z", "2026-07-23T12:00:00Z"]

    /// One night: `run`, or with `store` one `run --store` and two `worker`s of the same
    /// report root (SPEC §7), any of which may publish; the run's exit status is the night's.
    func run(_ scene: Scene, now: String, _ extra: [String] = [], store: String? = nil) throws -> CLIResult {
        let run = ["run", "--from", Scene.from, "--to", Scene.to, "--now", now, "--api-url", scene.server.baseURL,
                   "--ledger", "sqlite:\(scene.ledgerPath)", "--jwt-file", scene.tokenPath, "--out", scene.out.path,
                   "--metrics-file", scene.folder.appendingPathComponent("saba_recon.prom").path] + extra
        guard let store else { return try CLI.run(run) }
        // The workers have their own (default) --fail-on: the run's recorded one must decide.
        let worker = ["worker", "--api-url", scene.server.baseURL, "--ledger", "sqlite:\(scene.ledgerPath)", "--jwt-file", scene.tokenPath,
                      "--out", scene.out.path, "--store", store, "--wait", "30s", "--lease", "10s"]
        let procs = [try RunningCLI(run + ["--store", store, "--lease", "10s"]), try RunningCLI(worker), try RunningCLI(worker)]
        let results = procs.map { $0.wait() }
        #expect(results.dropFirst().allSatisfy { $0.status == 0 }, "workers: \(results.dropFirst().map(\.stderr))")
        return results[0]
    }

    /// `saba-recon breaks ...` on the scene's book: with `store`, the book in the store's schema.
    func breaks(_ scene: Scene, _ arguments: [String], store: String? = nil) throws -> CLIResult {
        try CLI.run(["breaks"] + arguments + ["--out", scene.out.path] + (store.map { ["--store", $0] } ?? []))
    }

    /// (kind trans_id) -> (break_status, age_days, break_id) of the latest run.
    func statuses(_ scene: Scene) throws -> [String: (status: String, age: String, id: String)] {
        let csv = try CSVTable(parsing: scene.read("discrepancies.csv"))
        var out: [String: (String, String, String)] = [:]
        for row in csv.rows {
            out["\(csv.cell(row, "kind") ?? "") \(csv.cell(row, "trans_id") ?? "")"] = (csv.cell(row, "break_status") ?? "", csv.cell(row, "age_days") ?? "", csv.cell(row, "break_id") ?? "")
        }
        return out
    }

    func ledger(_ scene: Scene) throws -> [LedgerEntry] {
        var entries: [LedgerEntry] = []
        try SQLiteLedgerSource(path: scene.ledgerPath).forEachEntry(provider: "saba", since: .distantPast) { entries.append($0) }
        return entries
    }

    /// Night 2 as people and monitoring see it: the page leads with what changed (Chromium),
    /// the workbook has a Breaks sheet (LibreOffice), the metrics count breaks by status.
    func peopleSeeNightTwo(_ scene: Scene, new: Int, resolved: Int) throws {
        let metrics = try String(contentsOf: scene.folder.appendingPathComponent("saba_recon.prom"), encoding: .utf8)
        #expect(metrics.contains("saba_recon_breaks{command=\"run\",status=\"new\"} \(new)"), "\(metrics)")
        #expect(metrics.contains("saba_recon_breaks{command=\"run\",status=\"resolved\"} \(resolved)"))
        #expect(metrics.contains("saba_recon_oldest_open_break_age_days{command=\"run\"} 1"))

        let work = scene.folder.appendingPathComponent("readers")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let chromium = try ExternalReader.require(["chromium", "chromium-browser", "google-chrome"], package: "chromium")
        let page = scene.out.appendingPathComponent("latest/report.html")
        let dom = try String(decoding: chromium.run(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                                                    "--user-data-dir=\(work.appendingPathComponent("chrome").path)", "--dump-dom", page.absoluteString], timeout: 120),
                             as: UTF8.self)
        #expect(dom.contains("<h2>What changed since the last night</h2>"))
        #expect(dom.contains("data-status=\"new\"><span>new</span><b>\(new)</b>"))
        #expect(dom.contains("data-status=\"resolved\"><span>resolved</span><b>\(resolved)</b>"))
        #expect(dom.contains("<svg id=\"aging\""))

        // LibreOffice's CSV filter, sheet 5 (Breaks); the 12th token picks the sheet.
        let soffice = try ExternalReader.require(["soffice", "libreoffice"], package: "libreoffice-calc-nogui")
        try soffice.run(["-env:UserInstallation=file://\(work.appendingPathComponent("lo").path)", "--headless", "--convert-to",
                         "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,5", "--outdir", work.path,
                         scene.out.appendingPathComponent("latest/discrepancies.xlsx").path], timeout: 180)
        let exported = try CSVTable(parsing: String(contentsOf: work.appendingPathComponent("discrepancies-Breaks.csv"), encoding: .utf8))
        let written = try CSVTable(parsing: scene.read("breaks.csv"))
        #expect(exported.values("section") == written.values("section"))
        #expect(exported.values("break_id") == written.values("break_id"))
        #expect(exported.values("trans_id") == written.values("trans_id"))
    }

    /// The four nights in one process, and through a shared run of three processes.
    @Test(arguments: [false, true]) func fourNightsWithAcknowledgementsFixesAndNewMistakes(shared: Bool) async throws {
        let store = shared ? try TestPostgres.server().makeDatabase().url : nil
        let scene = try await Scene.start(faults: shared ? SandboxFaults(delayMilliseconds: 100) : .none)
        defer { Task { await scene.stop() } }

        // Night 1: everything is new, exit 1.
        let first = try await blocking { try self.run(scene, now: Self.nights[0], store: store) }
        #expect(first.status == 1, "\(first.stderr)")
        let night1 = try statuses(scene)
        #expect(!night1.isEmpty && night1.values.allSatisfy { $0.status == "new" && $0.age == "0" })
        #expect(try CSVTable(parsing: scene.read("discrepancies.csv")).header.suffix(5) == ["break_id", "break_status", "first_seen", "age_days", "note"])

        // Between nights: finance acknowledges a net_mismatch, the wallet team pays a missing
        // payout, and a settlement is booked twice by mistake.
        let acked = try #require(night1.keys.sorted().first { $0.hasPrefix("net_mismatch ") })
        let fixed = try #require(night1.keys.sorted().first { $0.hasPrefix("payout_missing ") })
        let ack = try breaks(scene, ["ack", "--id", night1[acked]?.id ?? "", "--reason", "provider's error, credited by hand", "--by", "ana", "--now", "2026-07-20T14:00:00Z"], store: store)
        #expect(ack.status == 0, "\(ack.stderr)")
        var entries = try ledger(scene)
        let csv1 = try CSVTable(parsing: scene.read("discrepancies.csv"))
        let payout = try #require(csv1.rows.first { "\(csv1.cell($0, "kind") ?? "") \(csv1.cell($0, "trans_id") ?? "")" == fixed })
        let owed = Money.parse((csv1.cell(payout, "difference") ?? "").replacingOccurrences(of: "-", with: "")) ?? .zero
        let fix = LedgerEntry(entryId: "fix-1", provider: "saba", ticketId: csv1.cell(payout, "trans_id") ?? "", memberId: csv1.cell(payout, "member_id") ?? "",
                              kind: "settle", amount: owed, currency: csv1.cell(payout, "currency") ?? "", createdAt: UTCTime.parse("2026-07-20T13:00:00Z")!, ref: "fix")
        let reported = Set(csv1.values("trans_id"))
        // A bet well inside the range and judged clean on night 1 gets a stray credit.
        let early = UTCTime.parse("2026-07-01T00:00:00Z")!, late = UTCTime.parse("2026-07-15T00:00:00Z")!
        let clean = try #require(entries.first { $0.kind == "bet" && !reported.contains($0.ticketId) && $0.createdAt > early && $0.createdAt < late })
        let stray = LedgerEntry(entryId: "stray-1", provider: "saba", ticketId: clean.ticketId, memberId: clean.memberId, kind: "adjustment",
                                amount: Money.parse("5.00") ?? .zero, currency: clean.currency, createdAt: UTCTime.parse("2026-07-20T13:00:00Z")!)
        entries += [fix, stray]
        try SQLiteLedgerWriter.write(entries, to: scene.ledgerPath)

        // Night 2: acknowledged, resolved (in breaks.csv), new, and open a day older; exit 1 for the new one only.
        let second = try await blocking { try self.run(scene, now: Self.nights[1], store: store) }
        #expect(second.status == 1, "\(second.stderr)")
        let night2 = try statuses(scene)
        #expect(night2[acked]?.status == "acknowledged")
        #expect(night2[fixed] == nil)
        let added = night2.filter { $0.key.hasSuffix(" \(clean.ticketId)") }
        #expect(!added.isEmpty && added.values.allSatisfy { $0.status == "new" }, "\(added) \(clean)")
        let others = night2.filter { $0.key != acked && !$0.key.hasSuffix(" \(clean.ticketId)") }
        #expect(!others.isEmpty && others.values.allSatisfy { $0.status == "open" && $0.age == "1" })
        let breaksCSV = try CSVTable(parsing: scene.read("breaks.csv"))
        let resolved = breaksCSV.rows.filter { breaksCSV.cell($0, "section") == "resolved" }
        #expect(resolved.map { "\(breaksCSV.cell($0, "kind") ?? "") \(breaksCSV.cell($0, "trans_id") ?? "")" } == [fixed])
        #expect(breaksCSV.rows.contains { breaksCSV.cell($0, "section") == "aging" })
        try peopleSeeNightTwo(scene, new: added.count, resolved: 1)
        // Run again the same night with --fail-on new: nothing is new since the last run, exit 0.
        let again = try await blocking { try self.run(scene, now: Self.nights[1], ["--fail-on", "new"], store: store) }
        #expect(again.status == 0, "\(again.stderr)")

        // Everything acknowledged, from the night's own CSV as finance would save it: exit 0, and 1 with --fail-on any.
        let acks = scene.folder.appendingPathComponent("acks.csv")
        try scene.read("discrepancies.csv").write(to: acks, atomically: true, encoding: .utf8)
        let bulk = try breaks(scene, ["ack", "--file", acks.path, "--reason", "reviewed in the morning meeting", "--by", "ana", "--now", "2026-07-21T14:00:00Z"], store: store)
        #expect(bulk.status == 0, "\(bulk.stderr)")
        #expect(try await blocking { try self.run(scene, now: Self.nights[1], store: store) }.status == 0)
        #expect(try await blocking { try self.run(scene, now: Self.nights[1], ["--fail-on", "any"], store: store) }.status == 1)

        // A manual run of one day, between nights: it resolves nothing outside what it read.
        let manual = try await blocking {
            try CLI.run(["run", "--window", "2026-07-19T00:00:00..2026-07-20T00:00:00", "--now", Self.nights[1], "--api-url", scene.server.baseURL,
                         "--ledger", "sqlite:\(scene.ledgerPath)", "--jwt-file", scene.tokenPath, "--out", scene.out.path]
                         + (store.map { ["--store", $0, "--lease", "10s"] } ?? []))
        }
        #expect(manual.status <= 1, "\(manual.stderr)")
        let manualBreaks = try CSVTable(parsing: scene.read("breaks.csv"))
        #expect(manualBreaks.rows.filter { manualBreaks.cell($0, "section") == "resolved" }.isEmpty)

        // Night 3: the acknowledged break's amount changes: the acknowledgement lapses (changed).
        entries = try ledger(scene)
        let ackedId = String(acked.split(separator: " ").last ?? "")
        let ackedEntry = try #require(entries.first { $0.ticketId == ackedId })
        entries.append(LedgerEntry(entryId: "adjust-1", provider: "saba", ticketId: ackedId, memberId: ackedEntry.memberId, kind: "adjustment",
                                   amount: Money.parse("0.37") ?? .zero, currency: ackedEntry.currency, createdAt: UTCTime.parse("2026-07-21T13:00:00Z")!))
        try SQLiteLedgerWriter.write(entries, to: scene.ledgerPath)
        let third = try await blocking { try self.run(scene, now: Self.nights[2], store: store) }
        #expect(third.status == 1, "\(third.stderr)")
        let night3 = try statuses(scene)
        #expect(night3[acked]?.status == "changed")

        // Night 4: the paid payout is taken back: the resolved break reopens.
        entries = try ledger(scene).filter { $0.entryId != "fix-1" }
        try SQLiteLedgerWriter.write(entries, to: scene.ledgerPath)
        let fourth = try await blocking { try self.run(scene, now: Self.nights[3], store: store) }
        #expect(fourth.status == 1, "\(fourth.stderr)")
        let night4 = try statuses(scene)
        #expect(night4[fixed]?.status == "reopened")
        #expect(night4[fixed]?.age == "3")

        // The book's own view: the audit trail and a filtered list.
        let listed = try breaks(scene, ["list", "--status", "reopened", "--format", "csv", "--now", Self.nights[3]], store: store)
        #expect(listed.status == 0, "\(listed.stderr)")
        let listing = try CSVTable(parsing: listed.stdout)
        #expect(listing.values("trans_id") == [String(fixed.split(separator: " ").last ?? "")])
        let unknown = try breaks(scene, ["ack", "--id", "Bffffffffffffffff", "--reason", "x"], store: store)
        #expect(unknown.status == 2 && unknown.stderr.contains("holds no break Bffffffffffffffff"))
        // With the store, the book is in its schema: nothing beside the reports.
        #expect(FileManager.default.fileExists(atPath: scene.out.appendingPathComponent("breaks.sqlite").path) == (store == nil))
    }

    /// kill -9 while the run waits for the book (a test connection holds its write lock, so the
    /// run stops after its reports and `latest` are published, inside the update), then
    /// `--resume`: the book has the night once. Then the state of a kill just after the update
    /// (the night applied, run.json not finished): a second resume takes the night's statuses
    /// from the book and applies nothing again.
    @Test func aRunKilledDuringTheBookUpdateUpdatesItOnceOnResume() async throws {
        let scene = try await Scene.start()
        defer { Task { await scene.stop() } }
        #expect(try await blocking { try self.run(scene, now: Self.nights[0]) }.status == 1)
        let first = try scene.latest().lastPathComponent
        // A stray credit on a clean bet: night 2's one new break.
        var entries = try ledger(scene)
        let reported = Set(try CSVTable(parsing: scene.read("discrepancies.csv")).values("trans_id"))
        let early = UTCTime.parse("2026-07-01T00:00:00Z")!, late = UTCTime.parse("2026-07-15T00:00:00Z")!
        let clean = try #require(entries.first { $0.kind == "bet" && !reported.contains($0.ticketId) && $0.createdAt > early && $0.createdAt < late })
        entries.append(LedgerEntry(entryId: "stray-1", provider: "saba", ticketId: clean.ticketId, memberId: clean.memberId, kind: "adjustment",
                                   amount: Money.parse("5.00") ?? .zero, currency: clean.currency, createdAt: UTCTime.parse("2026-07-20T13:00:00Z")!))
        try SQLiteLedgerWriter.write(entries, to: scene.ledgerPath)

        let bookPath = scene.out.appendingPathComponent("breaks.sqlite").path
        let holder = try DatabaseQueue(path: bookPath)
        let held = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), released = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? holder.inTransaction(.immediate) { _ in
                held.signal()
                release.wait()
                return .rollback
            }
            released.signal()
        }
        held.wait()
        let night2 = try RunningCLI(["run", "--from", Scene.from, "--to", Scene.to, "--now", Self.nights[1], "--api-url", scene.server.baseURL,
                                     "--ledger", "sqlite:\(scene.ledgerPath)", "--jwt-file", scene.tokenPath, "--out", scene.out.path])
        var second: String?
        for _ in 0..<800 {
            if let target = try? scene.latest().lastPathComponent, target != first { second = target; break }
            try await Task.sleep(for: .milliseconds(25))
        }
        let runId = try #require(second, "night 2 never published its reports")
        kill(night2.pid, SIGKILL)
        _ = night2.wait()
        release.signal()
        released.wait()

        func nights() throws -> [String] {
            try DatabaseQueue(path: bookPath).read { try String.fetchAll($0, sql: "SELECT run_id FROM nights ORDER BY applied_at") }
        }
        #expect(try nights() == [first], "the killed run must not have updated the book")
        let resume = ["run", "--resume", runId, "--api-url", scene.server.baseURL, "--ledger", "sqlite:\(scene.ledgerPath)", "--jwt-file", scene.tokenPath,
                      "--out", scene.out.path]
        let resumed = try await blocking { try CLI.run(resume) }
        #expect(resumed.status == 1, "\(resumed.stderr)")
        #expect(try nights() == [first, runId])
        let statuses = try self.statuses(scene)
        let added = statuses.filter { $0.key.hasSuffix(" \(clean.ticketId)") }
        #expect(!added.isEmpty && added.values.allSatisfy { $0.status == "new" })
        #expect(statuses.filter { !$0.key.hasSuffix(" \(clean.ticketId)") }.values.allSatisfy { $0.status == "open" && $0.age == "1" })
        let book = try BreakBookStore.open(path: bookPath).load()

        // The state of a kill right after the update: run.json not finished yet.
        let record = scene.out.appendingPathComponent(runId).appendingPathComponent("run.json")
        let text = try String(contentsOf: record, encoding: .utf8)
        #expect(text.contains("\"finished\":true") || text.contains("\"finished\" : true"))
        try text.replacingOccurrences(of: "\"finished\":true", with: "\"finished\":false")
            .replacingOccurrences(of: "\"finished\" : true", with: "\"finished\" : false").write(to: record, atomically: true, encoding: .utf8)
        let again = try await blocking { try CLI.run(resume) }
        #expect(again.status == 1, "\(again.stderr)")
        #expect(try nights() == [first, runId])
        #expect(try BreakBookStore.open(path: bookPath).load() == book, "the book changed on a second resume")
        let replayed = try self.statuses(scene)
        #expect(replayed.mapValues(\.status) == statuses.mapValues(\.status), "a resume after the update must report the night as it was applied")
    }
}
