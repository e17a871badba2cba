import Foundation

/// One GetBetDetails call of a run: a window and which of its calls. Saba answers a window
/// in two calls (`isSettled=false`, then `true`); a run makes every window's calls in plan
/// order (`WindowPlan.calls`). The stores key a call by window index and kind.
public struct FetchCall: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// `isSettled=false`: tickets still running (and whatever Saba counts as unsettled).
        case unsettled
        /// `isSettled=true`.
        case settled

        /// The call's `isSettled` query value; the stores' `settled` column.
        public var isSettled: Bool { self == .settled }

        public init(isSettled: Bool) { self = isSettled ? .settled : .unsettled }
    }

    public var window: FetchWindow
    public var kind: Kind

    public init(window: FetchWindow, kind: Kind) {
        self.window = window
        self.kind = kind
    }

    /// A call is its window's index and start and its kind: a window read back from a store
    /// is the same call whatever else it carries.
    public static func == (a: FetchCall, b: FetchCall) -> Bool {
        a.window.index == b.window.index && a.window.start == b.window.start && a.kind == b.kind
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(window.index)
        hasher.combine(window.start)
        hasher.combine(kind)
    }

    public var description: String { "\(window) isSettled=\(kind.isSettled)" }

    /// The call's place in `WindowPlan.calls` (the edge window before the range is index -1,
    /// the one after it the last index): between two versions of a ticket equally settled,
    /// the one from the call earlier in the plan stays, however the calls were interleaved.
    public var planOrder: Int { (window.index + 1) * 2 + (kind.isSettled ? 1 : 0) }

    /// The call whose answer must be in before this one is asked: a window's unsettled call
    /// before its settled one. A ticket that settles between the two answers is then in one
    /// of them; asked the other way round (a retry, calls in flight together, a resume) it can
    /// be in neither, and its ledger rows would be reported missing at the provider.
    public var follows: FetchCall? { kind.isSettled ? FetchCall(window: window, kind: .unsettled) : nil }
}

extension WindowPlan {
    /// Every call of the plan, in the order they are made: each window's unsettled call, then its settled one.
    public var calls: [FetchCall] {
        allWindows.flatMap { w in FetchCall.Kind.allCases.map { FetchCall(window: w, kind: $0) } }
    }
}
