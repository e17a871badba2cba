import CShim
import Foundation

/// How many malloc arenas the process keeps, set before its threads start.
public enum ProcessMemory {
    /// glibc gives threads that allocate at the same time arenas of their own (up to eight per
    /// core), and an arena keeps the memory it once held. Each fetch thread decodes a whole
    /// call, so the opener of a shared run (which also holds each call until the store commits
    /// it) peaked at 168 MB at 1M tickets with the default and at 120 MB with one arena per
    /// core (docs/performance.md, 2026-12-07, fifth pass), no slower. An operator's own
    /// `MALLOC_ARENA_MAX`, or `arena_max` in `GLIBC_TUNABLES`, is left to win.
    public static func apply() {
        if let cap = arenaCap(environment: ProcessInfo.processInfo.environment, cores: ProcessInfo.processInfo.activeProcessorCount) {
            _ = sr_malloc_arena_max(Int32(cap))
        }
    }

    /// The arena cap to set: one per core (two at least), or nil when the environment sets one.
    static func arenaCap(environment: [String: String], cores: Int) -> Int? {
        if environment["MALLOC_ARENA_MAX"] != nil { return nil }
        if let tunables = environment["GLIBC_TUNABLES"], tunables.contains("arena_max") { return nil }
        return min(max(2, cores), 64)
    }
}
