import Foundation
import SabaReconIO

/// The clock every command measures from when `--now` does not fix it: the system's.
///
/// Debug builds only: `SABA_RECON_TEST_CLOCK_OFFSET` (seconds) moves it by a fixed amount. The
/// end-to-end tests give every process of a test run the same offset, so their scenes, dated
/// in 2026, stay within Saba's 180-day history (which a resume checks against this clock)
/// whatever the real date. A release build never reads the variable.
enum ProcessClock {
    static let current: any WallClock = {
        #if DEBUG
        if let text = ProcessInfo.processInfo.environment["SABA_RECON_TEST_CLOCK_OFFSET"], let offset = TimeInterval(text) {
            return OffsetWallClock(offset: offset)
        }
        #endif
        return SystemWallClock()
    }()
}
