import Testing
@testable import SabaReconIO

@Suite struct PublishingGraceTests {
    @Test func aRunIsDueOnceSeenWaitingForTheGrace() {
        var grace = PublishingGrace(grace: .seconds(2))
        let start = ContinuousClock.now
        #expect(grace.due(["r1"], at: start).isEmpty, "first seen: its creator gets its chance")
        #expect(grace.due(["r1", "r2"], at: start + .seconds(1)).isEmpty)
        #expect(grace.due(["r1", "r2"], at: start + .seconds(2)) == ["r1"])
        #expect(grace.due(["r1", "r2"], at: start + .seconds(3)) == ["r1", "r2"])
    }

    @Test func aRunNoLongerWaitingIsForgottenAndWaitsAfreshWhenSeenAgain() {
        var grace = PublishingGrace(grace: .seconds(2))
        let start = ContinuousClock.now
        _ = grace.due(["r1"], at: start)
        #expect(grace.due([], at: start + .seconds(1)).isEmpty)
        #expect(grace.due(["r1"], at: start + .seconds(5)).isEmpty, "seen again: a new wait")
        #expect(grace.due(["r1"], at: start + .seconds(7)) == ["r1"])
    }

    @Test func noGraceMakesEveryWaitingRunDueAtOnce() {
        var grace = PublishingGrace(grace: .zero)
        #expect(grace.due(["r1", "r2"]) == ["r1", "r2"])
    }
}
