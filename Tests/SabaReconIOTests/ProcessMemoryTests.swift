import Testing
@testable import SabaReconIO

@Suite struct ProcessMemoryTests {
    @Test func oneArenaPerCoreAndTwoAtLeast() {
        #expect(ProcessMemory.arenaCap(environment: [:], cores: 1) == 2)
        #expect(ProcessMemory.arenaCap(environment: [:], cores: 2) == 2)
        #expect(ProcessMemory.arenaCap(environment: ["PATH": "/usr/bin"], cores: 8) == 8)
        #expect(ProcessMemory.arenaCap(environment: [:], cores: 512) == 64)
    }

    @Test func anOperatorsOwnSettingWins() {
        #expect(ProcessMemory.arenaCap(environment: ["MALLOC_ARENA_MAX": "16"], cores: 2) == nil)
        #expect(ProcessMemory.arenaCap(environment: ["GLIBC_TUNABLES": "glibc.malloc.arena_max=4"], cores: 2) == nil)
        #expect(ProcessMemory.arenaCap(environment: ["GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"], cores: 2) == 2)
    }
}
