import Testing

@testable import Gateway

@Suite struct RequestIDTests {
    @Test func isALowercaseVersion4UUID() {
        for _ in 0..<1000 {
            let id = RequestID.make()
            let parts = id.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12], "\(id)")
            #expect(id.allSatisfy { "0123456789abcdef-".contains($0) }, "\(id)")
            #expect(parts[2].first == "4", "version nibble in \(id)")
            #expect("89ab".contains(parts[3].first!), "variant nibble in \(id)")
        }
    }

    @Test func idsDoNotRepeat() {
        let ids = Set((0..<10_000).map { _ in RequestID.make() })
        #expect(ids.count == 10_000)
    }
}
