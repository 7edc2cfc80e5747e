import HTTPTypes
import Testing
@testable import AdminHTTP

@Suite struct AdminAccessTests {
    @Test func aTokenWinsWhateverTheHost() {
        #expect(AdminAccess(token: "t", host: "0.0.0.0", insecureLoopback: false) == .token("t"))
        #expect(AdminAccess(token: "t", host: "127.0.0.1", insecureLoopback: true) == .token("t"))
        #expect(AdminAccess(token: "t", host: "0.0.0.0", insecureLoopback: false).startupWarning(host: "0.0.0.0") == nil)
    }

    @Test func withoutATokenOnlyALoopbackBindOrTheOptInLetsLoopbackIn() {
        for host in ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"] {
            #expect(AdminAccess(token: nil, host: host, insecureLoopback: false) == .loopback, "\(host)")
        }
        for host in ["0.0.0.0", "::", "192.0.2.7", "gateway.example.com"] {
            #expect(AdminAccess(token: nil, host: host, insecureLoopback: false) == .closed, "\(host)")
            #expect(AdminAccess(token: "", host: host, insecureLoopback: false) == .closed, "empty token, \(host)")
            #expect(AdminAccess(token: nil, host: host, insecureLoopback: true) == .loopback, "opt-in, \(host)")
        }
    }

    @Test func everyTokenlessConfigurationWarns() {
        let loopback = AdminAccess(token: nil, host: "127.0.0.1", insecureLoopback: false).startupWarning(host: "127.0.0.1")
        #expect(loopback?.contains("--admin-token") == true)
        let optIn = AdminAccess(token: nil, host: "0.0.0.0", insecureLoopback: true).startupWarning(host: "0.0.0.0")
        #expect(optIn?.contains("--admin-insecure-loopback") == true)
        let closed = AdminAccess(token: nil, host: "0.0.0.0", insecureLoopback: false).startupWarning(host: "0.0.0.0")
        #expect(closed?.contains("refused") == true)
    }

    @Test func forwardingHeadersAreFoundByTheirCanonicalNames() {
        #expect(AdminCredentials.forwardingHeader(in: [:]) == nil)
        #expect(AdminCredentials.forwardingHeader(in: [HTTPField.Name("X-Real-IP")!: "203.0.113.9"]) == "x-real-ip")
        #expect(AdminCredentials.forwardingHeader(in: [HTTPField.Name("forwarded")!: "for=203.0.113.9"]) == "forwarded")
        #expect(AdminCredentials.forwardingHeader(in: [.userAgent: "curl"]) == nil)
    }
}
