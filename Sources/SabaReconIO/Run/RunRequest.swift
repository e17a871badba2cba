import Foundation
import SabaReconCore

/// What one invocation asks for: the one value the CLI builds from its flags and hands to
/// `RunCoordinator`.
public struct RunRequest: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `run`: a fresh run of a plan, or `--resume` of a killed one.
        case run(JobStart)
        /// `nightly`: the last days, one at a time per report root, resuming its own killed run.
        case nightly(WindowPlan, now: Date)
        /// `rediff RUN_ID`: a finished run's tickets matched again, without calling Saba.
        case rediff(runId: String)
        /// `worker`: every open run of the shared store; waits up to `wait` for one to appear.
        case worker(wait: TimeInterval)
    }

    public var kind: Kind
    /// The invocation's arguments, redacted before they are written anywhere.
    public var commandLine: [String]

    public init(_ kind: Kind, commandLine: [String]) {
        self.kind = kind
        self.commandLine = commandLine
    }

    /// The command's name in metrics, pings and lock holders.
    public var command: String {
        switch kind {
        case .run: "run"
        case .nightly: "nightly"
        case .rediff: "rediff"
        case .worker: "worker"
        }
    }
}

/// Shows a run's progress (a terminal's progress line); `finish` clears it before the summary.
public protocol ProgressDisplay: Sendable {
    func update(_ progress: JobProgress)
    func finish()
}
