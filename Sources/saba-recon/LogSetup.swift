import Logging
import Synchronization

/// swift-log may be bootstrapped once per process; commands call this instead.
enum LogSetup {
    private static let done = Mutex(false)

    static func bootstrap(level: Logger.Level, json: Bool) {
        let first = done.withLock { value -> Bool in
            defer { value = true }
            return !value
        }
        guard first else { return }
        LoggingSystem.bootstrap { label in
            var handler = LogLineHandler(label: label, json: json, terminal: .standardError)
            handler.logLevel = level
            return handler
        }
    }
}
