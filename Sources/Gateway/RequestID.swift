/// Request ids for handler runs: random (version 4) UUIDs in lowercase text form.
///
/// Foundation's `UUID()` opens `/dev/urandom` for every id on Linux, which showed up as 4% of the server's CPU in
/// the echo benchmark; the system generator (`getrandom`) needs no file.
enum RequestID {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
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
}
