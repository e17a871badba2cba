/// A run that failed: what failed and where, for the one stderr line, with the error behind
/// it kept whole, so a caller can tell a dropped connection (a retry can help) from a
/// refusal (it cannot).
public struct JobError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The error behind it, if it was another error.
    public var underlying: (any Error)?
    /// The step that failed, when known.
    public var stage: RunStage?
    /// The failed run's folder, which keeps the evidence (nil if it failed before it had one).
    public var runFolder: String?
    /// What the run got through before it failed (nil if it failed before starting).
    public var metrics: RunMetrics?

    public init(_ message: String, underlying: (any Error)? = nil, stage: RunStage? = nil, runFolder: String? = nil, metrics: RunMetrics? = nil) {
        self.message = message
        self.underlying = underlying
        self.stage = stage
        self.runFolder = runFolder
        self.metrics = metrics
    }

    public var description: String { message }

    /// Whether the same step, tried again, may succeed (`RetryPolicy.isRetryable`).
    public var isRetryable: Bool { underlying.map(RetryPolicy.isRetryable) ?? false }
}
