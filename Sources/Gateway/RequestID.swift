import Synchronization

/// Request ids for handler runs: version 4 UUIDs in lowercase text form, unique in the process.
///
/// Each id is a keyed mix of a counter, not fresh system randomness: `getrandom` per id was a system call per event
/// (Foundation's `UUID()` was worse: it opens `/dev/urandom` for every id). The keys are drawn once per process, so
/// ids of different processes (nodes) do not follow one another; they identify runs and are not secrets.
enum RequestID {
    private static let keys: (high: UInt64, low: UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }()
    private static let counter = Atomic<UInt64>(0)

    static func make() -> String {
        let count = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        var high = mix(count ^ keys.high)
        var low = mix(count &+ keys.low)
        high = (high & ~0xF000) | 0x4000 // version 4
        low = (low & ~(0xC000 << 48)) | (0x8000 << 48) // RFC 4122 variant
        return String(unsafeUninitializedCapacity: 36) { buffer in
            let digits: StaticString = "0123456789abcdef"
            var index = 0
            func write(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    if index == 8 || index == 13 || index == 18 || index == 23 {
                        buffer[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    buffer[index] = digits.utf8Start[Int((value >> UInt64(shift)) & 0xF)]
                    index += 1
                }
            }
            write(high, nibbles: 16)
            write(low, nibbles: 16)
            return index
        }
    }

    /// SplitMix64's finalizer: a bijection of 64-bit values that spreads every input bit over the output.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
