import Foundation

/// A failure of our own, already worded for the user.
struct CommandFailure: Error, CustomStringConvertible, LocalizedError {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
    var errorDescription: String? { message }
}
