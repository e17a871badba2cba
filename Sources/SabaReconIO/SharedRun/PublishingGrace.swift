/// How long a worker leaves a run that is ready to publish to the process that created it.
/// That process read the ledger while the calls were fetched and staged the calls it fetched
/// (`RunAhead`), so it publishes in a fraction of the time another process takes (which
/// reads the whole ledger and copies every call first). A creator that is alive takes the run
/// within its poll interval; one that died or stalls costs the others only `grace`.
struct PublishingGrace {
    let grace: Duration
    /// When this worker first saw each run that still waits.
    private var firstSeen: [String: ContinuousClock.Instant] = [:]

    init(grace: Duration) {
        self.grace = grace
    }

    /// Of `waiting` (runs of other processes ready to publish, as listed now), those this
    /// worker has seen waiting for at least `grace`. A run no longer listed is forgotten.
    mutating func due(_ waiting: [String], at now: ContinuousClock.Instant = .now) -> [String] {
        let listed = Set(waiting)
        firstSeen = firstSeen.filter { listed.contains($0.key) }
        var due: [String] = []
        for id in waiting {
            let seen = firstSeen[id] ?? now
            firstSeen[id] = seen
            if now - seen >= grace { due.append(id) }
        }
        return due
    }
}
