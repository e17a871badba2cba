import Synchronization

/// A flag one thread raises and another polls (a stop request, a claim found lost). A class,
/// so a thread's closure can hold it: an `Atomic` itself cannot be captured.
final class SharedFlag: Sendable {
    private let value = Atomic<Bool>(false)

    init() {}

    var isRaised: Bool { value.load(ordering: .relaxed) }
    func raise() { value.store(true, ordering: .relaxed) }
}
