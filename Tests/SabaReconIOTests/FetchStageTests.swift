import Foundation
import GRDB
import Logging
import SabaReconCore
import SabaSandbox
import Synchronization
import Testing
@testable import SabaReconIO

/// A book served with a random pause before each answer, so calls in flight together
/// finish in a different order each time.
final class JitteredTransport: HTTPTransport {
    let inner: BookTransport
    private let inFlight = Mutex((now: 0, most: 0))

    init(book: SandboxBook, failAt: Int? = nil) { inner = BookTransport(book: book, failAt: failAt) }

    var mostInFlight: Int { inFlight.withLock { $0.most } }

    func perform(_ request: HTTPRequest, onHead: (HTTPResponseHead) throws -> Void,
                 onBody: (UnsafeRawBufferPointer) throws -> Void) throws -> HTTPResponseHead {
        inFlight.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
        defer { inFlight.withLock { $0.now -= 1 } }
        Thread.sleep(forTimeInterval: Double.random(in: 0.005...0.04))
        return try inner.perform(request, onHead: onHead, onBody: onBody)
    }
}

/// A book served with each unsettled call answered late, recording when each call was asked
/// and when its answer was in, so a test can see a window's two calls' order.
final class OrderingTransport: HTTPTransport {
    let inner: BookTransport
    private let events = Mutex<[(event: String, start: String, settled: Bool)]>([])

    init(book: SandboxBook) { inner = BookTransport(book: book) }

    var log: [(event: String, start: String, settled: Bool)] { events.withLock { $0 } }

    func perform(_ request: HTTPRequest, onHead: (HTTPResponseHead) throws -> Void,
                 onBody: (UnsafeRawBufferPointer) throws -> Void) throws -> HTTPResponseHead {
        let query = Dictionary(URLComponents(string: request.url)?.queryItems?.map { ($0.name, $0.value ?? "") } ?? []) { $1 }
        let start = query["start"] ?? "", settled = query["isSettled"] == "true"
        events.withLock { $0.append(("asked", start, settled)) }
        if !settled { Thread.sleep(forTimeInterval: 0.05) }
        let head = try inner.perform(request, onHead: onHead, onBody: onBody)
        events.withLock { $0.append(("answered", start, settled)) }
        return head
    }

    /// The windows (by start) whose settled call was asked before their unsettled call was answered.
    var settledAskedEarly: [String] {
        let log = self.log
        return Set(log.map(\.start)).sorted().filter { start in
            let answered = log.lastIndex { $0.event == "answered" && $0.start == start && !$0.settled }
            let asked = log.firstIndex { $0.event == "asked" && $0.start == start && $0.settled }
            guard let asked else { return false }
            return answered.map { asked < $0 } ?? true
        }
    }
}

/// A book whose every `every`-th request (counted across calls in flight) is refused with
/// Saba's access limit, E009, as `saba-sandbox serve --e009-every` does.
final class RefusingTransport: HTTPTransport {
    let inner: BookTransport
    let every: Int
    private let requests = Mutex(0)

    init(book: SandboxBook, every: Int) {
        inner = BookTransport(book: book)
        self.every = every
    }

    var count: Int { requests.withLock { $0 } }

    func perform(_ request: HTTPRequest, onHead: (HTTPResponseHead) throws -> Void,
                 onBody: (UnsafeRawBufferPointer) throws -> Void) throws -> HTTPResponseHead {
        let n = requests.withLock { $0 += 1; return $0 }
        Thread.sleep(forTimeInterval: 0.005)
        guard n % every == 0 else { return try inner.perform(request, onHead: onHead, onBody: onBody) }
        let head = HTTPResponseHead(status: 400)
        try onHead(head)
        try Array(#"{"statusCode":400,"errorCode":"E009","message":"access limit reached"}"#.utf8).withUnsafeBytes { try onBody($0) }
        return head
    }
}

/// A clock that only moves when something sleeps on it.
final class SteppingClock: WallClock, Sendable {
    private let instant: Mutex<Date>
    init(_ start: Date) { instant = Mutex(start) }
    func now() -> Date { instant.withLock { $0 } }
    func sleep(_ seconds: TimeInterval) { instant.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

@Suite struct FetchStageTests {
    static func client(_ transport: any HTTPTransport) throws -> SabaClient {
        SabaClient(config: SabaClientConfig(apiURL: "http://127.0.0.1:9", maxAttempts: 1), transport: transport,
                   tokens: try StaticTokenSource(token: SandboxToken().make(vendorId: "v", expiresAt: Date().addingTimeInterval(3600)), origin: "test"),
                   clock: SystemWallClock(), sleep: { _ in })
    }

    /// Every staged ticket and call, as text: what the match and the manifest read.
    static func dump(_ store: RunStore) throws -> [String] {
        try store.tickets.read { db in
            try Row.fetchAll(db, sql: "SELECT idx, settled, start, \"end\", is_edge, tickets, bytes, attempts FROM windows ORDER BY idx, settled").map { "\($0)" }
        } + store.stagedTickets().map { "\($0.ticket) from call \($0.callOrder)" }
    }

    func stage(_ scene: JobScene, concurrency: Int, transport: any HTTPTransport) throws -> (RunStore, RunMetrics) {
        let store = try RunStore.inMemory()
        var metrics = RunMetrics(command: "run", startedAt: JobScene.now)
        try FetchStage(client: Self.client(transport), store: store, clock: SystemWallClock(), logger: Logger(label: "test"), concurrency: concurrency)
            .run(scene.plan.calls, metrics: &metrics)
        return (store, metrics)
    }

    @Test func callsInFlightTogetherStageWhatOneAtATimeStages() throws {
        let scene = try JobScene()
        let (one, m1) = try stage(scene, concurrency: 1, transport: BookTransport(book: scene.book))
        let transport = JitteredTransport(book: scene.book)
        let (four, m4) = try stage(scene, concurrency: 4, transport: transport)
        #expect(transport.mostInFlight > 1, "the calls never overlapped")
        #expect(try Self.dump(four) == Self.dump(one))
        #expect(m4.windowsFetched == m1.windowsFetched && m4.ticketsFetched == m1.ticketsFetched && m4.requests == m1.requests)
    }

    /// A ticket that settles between a window's two answers is in one of them only if the
    /// unsettled call is answered first: calls in flight together ask a window's settled
    /// call once its unsettled call is in, whatever the concurrency.
    @Test(arguments: [1, 2, 4, 8])
    func aWindowsSettledCallIsAskedOnceItsUnsettledCallIsAnswered(concurrency: Int) throws {
        let scene = try JobScene()
        let transport = OrderingTransport(book: scene.book)
        let (store, metrics) = try stage(scene, concurrency: concurrency, transport: transport)
        #expect(transport.settledAskedEarly == [])
        #expect(metrics.windowsFetched == scene.plan.calls.count)
        let (one, _) = try stage(scene, concurrency: 1, transport: BookTransport(book: scene.book))
        #expect(try Self.dump(store) == Self.dump(one))
    }

    /// A folder whose settled call was committed before its window's unsettled call (an
    /// earlier version, killed with calls in flight): the resume asks the settled call again,
    /// after the unsettled one.
    @Test func aResumeAsksASettledCallAgainWhenItsUnsettledCallIsNotDone() throws {
        let scene = try JobScene()
        let store = try RunStore.inMemory()
        let settled = try #require(scene.plan.calls.first { $0.kind.isSettled && $0.window.index == 0 })
        _ = try store.stage(settled) { _ in FetchStats() }
        let done = scene.plan.calls.filter { $0.window.index != 0 }
        for call in done { _ = try store.stage(call) { _ in FetchStats() } }
        let transport = OrderingTransport(book: scene.book)
        var metrics = RunMetrics(command: "run", startedAt: JobScene.now)
        try FetchStage(client: Self.client(transport), store: store, clock: SystemWallClock(), logger: Logger(label: "test"), concurrency: 4)
            .run(scene.plan.calls, metrics: &metrics)
        #expect(transport.log.filter { $0.event == "asked" }.map(\.settled) == [false, true])
        #expect(transport.settledAskedEarly == [])
        #expect(metrics.windowsFetched == 2 && metrics.windowsReused == done.count)
    }

    @Test func aFailedCallStopsTheOthersAndLeavesOnlyCompletedCallsCommitted() throws {
        let scene = try JobScene()
        let store = try RunStore.inMemory()
        var metrics = RunMetrics(command: "run", startedAt: JobScene.now)
        let error = #expect(throws: SabaError.self) {
            try FetchStage(client: Self.client(JitteredTransport(book: scene.book, failAt: 2)), store: store, clock: SystemWallClock(),
                           logger: Logger(label: "test"), concurrency: 3)
                .run(scene.plan.calls, metrics: &metrics)
        }
        #expect(error?.description.contains("connection reset by the test") == true)
        let committed = try store.committedCalls()
        #expect(committed.count == metrics.windowsFetched && committed.count < scene.plan.calls.count)
        // A resume fetches the rest, one at a time, and ends where an uninterrupted run does.
        var rest = RunMetrics(command: "run", startedAt: JobScene.now)
        try FetchStage(client: Self.client(BookTransport(book: scene.book)), store: store, clock: SystemWallClock(), logger: Logger(label: "test"))
            .run(scene.plan.calls, metrics: &rest)
        #expect(rest.windowsReused == committed.count && rest.windowsFetched == scene.plan.calls.count - committed.count)
        let (whole, _) = try stage(scene, concurrency: 1, transport: BookTransport(book: scene.book))
        let strip = { (rows: [String]) in rows.map { $0.replacingOccurrences(of: #"attempts:\d+"#, with: "", options: .regularExpression) } }
        #expect(try strip(Self.dump(store)) == strip(Self.dump(whole)))
    }

    @Test func betweenTwoVersionsAsSettledTheEarlierCallsStays() throws {
        let store = try RunStore.inMemory()
        let window = { (i: Int) in FetchWindow(index: i, start: JobScene.now.addingTimeInterval(Double(i) * 86_400), end: JobScene.now.addingTimeInterval(Double(i + 1) * 86_400)) }
        func version(_ stake: String) -> Ticket {
            Ticket(transId: "T1", memberId: "m", stake: Money.parse(stake) ?? .zero, transTime: JobScene.now, status: TicketStatus("running"), currency: 3)
        }
        // Staged in the order calls in flight might finish: the later call first.
        try store.staging { sink in
            try sink.stage(version("30"), of: FetchCall(window: window(2), kind: .unsettled))
            try sink.stage(version("10"), of: FetchCall(window: window(0), kind: .unsettled))
            try sink.stage(version("20"), of: FetchCall(window: window(1), kind: .settled))
        }
        let stake = try store.stagedTickets().map(\.ticket.stake)
        #expect(stake == [Money.parse("10")], "the version of window 0's call (10.00) stays: \(stake)")
        // The same call fetched again (a retry, a resume over a killed attempt's rows): its last version wins.
        try store.staging { sink in try sink.stage(version("40"), of: FetchCall(window: window(0), kind: .unsettled)) }
        let again = try store.stagedTickets().map(\.ticket.stake)
        #expect(again == [Money.parse("40")])
    }

    /// With four calls in flight and every third request refused, a refused call asks again
    /// alone, so no call is refused more than twice running (a request another call started
    /// just before the refusal was known may still come first); calls that all rushed back
    /// together let one be refused four times running, one short of failing the run. The run
    /// makes as many attempts as one call at a time does.
    @Test func aRefusedCallAsksAgainAloneSoNoCallIsRefusedThreeTimesRunning() throws {
        let scene = try JobScene()
        for _ in 0..<12 {
            let transport = RefusingTransport(book: scene.book, every: 3)
            let store = try RunStore.inMemory()
            var metrics = RunMetrics(command: "run", startedAt: JobScene.now)
            // Real waits, short ones: the calls held by a pushback all start again together,
            // as against a provider.
            var client = try Self.client(transport)
            client.config.retry = RetryPolicy(maxAttempts: 5, baseBackoff: 0.02, maxBackoff: 0.1)
            client.sleep = { Thread.sleep(forTimeInterval: $0) }
            try FetchStage(client: client, store: store, clock: SystemWallClock(), logger: Logger(label: "test"), concurrency: 4)
                .run(scene.plan.calls, metrics: &metrics)
            let attempts = try store.windowRecords().map(\.attempts)
            #expect(attempts.count == scene.plan.calls.count)
            #expect(attempts.allSatisfy { $0 <= 3 }, "attempts per call: \(attempts)")
            #expect(attempts.reduce(0, +) == transport.count)
            let calls = scene.plan.calls.count
            #expect(transport.count == calls + (calls - 1) / 2, "one refusal in every three requests, as one at a time")
        }
    }

    @Test func aRefusedCallGoesFirstAndTheOthersWaitForItsAnswer() throws {
        let clock = SteppingClock(JobScene.now)
        let gate = ProviderGate()
        let a = gate.enter(), b = gate.enter(), c = gate.enter()
        gate.pushBack(until: clock.now().addingTimeInterval(5), refused: a)
        gate.pushBack(until: clock.now().addingTimeInterval(3), refused: c)
        // b waits out the 5 s, then for a's answer and c's, polling.
        var polls = 0
        let waited = try gate.waitTurn(call: b, clock: clock, sleep: { seconds in
            clock.sleep(seconds)
            guard seconds == ProviderGate.poll else { return }
            polls += 1
            if polls == 3 { gate.answered(a) }
            if polls == 5 { gate.answered(c) }
        })
        #expect(polls == 5)
        #expect(abs(waited - (5 + 5 * ProviderGate.poll)) < 1e-9)
        // The oldest refused call waits only for the time; the next waits for its answer too.
        gate.pushBack(until: clock.now().addingTimeInterval(2), refused: a)
        gate.pushBack(until: clock.now(), refused: c)
        #expect(try gate.waitTurn(call: a, clock: clock, sleep: clock.sleep) == 2)
        var cPolls = 0
        try gate.waitTurn(call: c, clock: clock, sleep: { seconds in
            clock.sleep(seconds)
            cPolls += 1
            if cPolls == 2 { gate.answered(a) }
        })
        #expect(cPolls == 2)
        // A call that gave up lets the others go (the client answers for it when it throws).
        gate.pushBack(until: clock.now(), refused: c)
        gate.answered(c)
        #expect(try gate.waitTurn(call: b, clock: clock, sleep: clock.sleep) == 0)
    }

    @Test func aPushbackHoldsEveryCallUntilItsTime() throws {
        let clock = SteppingClock(JobScene.now)
        let gate = ProviderGate()
        #expect(try gate.waitTurn(clock: clock, sleep: clock.sleep) == 0)
        gate.pushBack(until: JobScene.now.addingTimeInterval(30))
        gate.pushBack(until: JobScene.now.addingTimeInterval(10))  // an earlier one does not shorten it
        #expect(try gate.waitTurn(clock: clock, sleep: clock.sleep) == 30)
        #expect(try gate.waitTurn(clock: clock, sleep: clock.sleep) == 0)
        // A pushback that arrives while a call waits makes it wait on.
        gate.pushBack(until: clock.now().addingTimeInterval(5))
        var slept: [TimeInterval] = []
        let waited = try gate.waitTurn(clock: clock, sleep: { seconds in
            slept.append(seconds)
            clock.sleep(seconds)
            if slept.count == 1 { gate.pushBack(until: clock.now().addingTimeInterval(7)) }
        }, slice: 60)
        #expect(slept == [5, 7] && waited == 12)
        // A call whose run failed elsewhere stops waiting within a slice.
        gate.pushBack(until: clock.now().addingTimeInterval(300))
        var asked = 0
        #expect(throws: CancellationError.self) {
            try gate.waitTurn(clock: clock, sleep: clock.sleep) {
                asked += 1
                if asked == 3 { throw CancellationError() }
            }
        }
        #expect(asked == 3)
    }
}
