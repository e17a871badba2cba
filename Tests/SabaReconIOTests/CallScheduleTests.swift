import Foundation
import SabaReconCore
import Synchronization
import Testing
@testable import SabaReconIO

@Suite struct CallScheduleTests {
    static let calls: [FetchCall] = (0..<3).flatMap { i in
        FetchCall.Kind.allCases.map { FetchCall(window: FetchWindow(index: i, start: Date(timeIntervalSince1970: Double(i) * 86_400),
                                                                  end: Date(timeIntervalSince1970: Double(i + 1) * 86_400)), kind: $0) }
    }
    static func go(_ call: FetchCall) -> Bool { false }

    @Test func callsGoInPlanOrderEachSettledOneAfterItsWindowsUnsettledAnswer() {
        let schedule = CallSchedule(Self.calls)
        let first = schedule.next(skipping: Self.go, cancelled: { false })
        let second = schedule.next(skipping: Self.go, cancelled: { false })
        #expect(first == Self.calls[0] && second == Self.calls[2], "window 0's settled call waits for its unsettled answer")
        schedule.answered(Self.calls[0])
        #expect(schedule.next(skipping: Self.go, cancelled: { false }) == Self.calls[1])
        #expect(schedule.next(skipping: Self.go, cancelled: { false }) == Self.calls[4])
        schedule.answered(Self.calls[2])
        schedule.answered(Self.calls[4])
        #expect(schedule.next(skipping: Self.go, cancelled: { false }) == Self.calls[3])
        #expect(schedule.next(skipping: Self.go, cancelled: { false }) == Self.calls[5])
        #expect(schedule.next(skipping: Self.go, cancelled: { false }) == nil)
    }

    /// A settled call whose unsettled call is not in this fetch (done before a resume) goes at once.
    @Test func aSettledCallAloneGoesAtOnce() {
        let schedule = CallSchedule([Self.calls[1]])
        #expect(schedule.next(skipping: Self.go, cancelled: { false }) == Self.calls[1])
    }

    /// A thread waiting for an answer that will not come (its call failed, the fetch stopped)
    /// is woken and takes nothing.
    @Test func aWaitingThreadEndsWhenItsCallIsStoppedOrTheFetchIsStopped() throws {
        for stopByFailure in [true, false] {
            let schedule = CallSchedule(Array(Self.calls[0...1]))
            #expect(schedule.next(skipping: Self.go, cancelled: { false }) == Self.calls[0])
            let failed = Mutex(false)
            let waiter = BackgroundThread { schedule.next(skipping: { $0 == Self.calls[1] && failed.withLock { $0 } }, cancelled: { false }) }
            Thread.sleep(forTimeInterval: 0.05)
            if stopByFailure {
                failed.withLock { $0 = true }
                schedule.wake()
            } else {
                schedule.stop()
            }
            #expect(try waiter.wait() == nil)
        }
    }
}
