import SabaReconCore

/// A call this worker claimed, as the `CallStore` the fetch stage streams into: its tickets
/// go to the shared store as they are decoded, and the fetch stops as soon as the claim is
/// found lost (another worker has the call; racing it would only waste the provider's quota).
struct ClaimedCall: CallStore {
    let store: SharedRunStore
    let call: SharedRunStore.Call
    let keeper: LeaseKeeper
    /// Handed the call's lines once the store committed them.
    var committed: (inout CallLines) -> Void = { _ in }

    /// A claim is only ever taken on a call that is not done.
    func committedCalls() throws -> Set<FetchCall> { [] }

    func stage(_ fetchCall: FetchCall, fetch: (_ stage: (Ticket) throws -> Void) throws -> FetchStats) throws -> FetchStats {
        guard fetchCall == call.fetch else {
            throw StoreFailure.ClaimLost(description: "asked to stage \(fetchCall), but this worker claimed \(call.fetch)")
        }
        return try store.stage(call) { stage in
            try withoutActuallyEscaping(stage) { stage in
                try fetch { ticket in
                    if keeper.lost {
                        throw StoreFailure.ClaimLost(description: "lost the claim on window \(call.window.index) settled=\(call.settled) of run \(call.runId) while fetching it: another worker has it")
                    }
                    try stage(ticket)
                }
            }
        } committed: { committed(&$0) }
    }
}
