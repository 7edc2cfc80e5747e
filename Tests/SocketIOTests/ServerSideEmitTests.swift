import JSONCore
import Synchronization
import Testing

@testable import SocketIO

/// `serverSideEmit` goes through the adapter to the other nodes' namespaces, never to the sender's own (across nodes:
/// ``ClusterAdapterTests``).
@Suite struct ServerSideEmitTests {
    @Test func aSingleProcessHasNoOtherNodeToAnswer() async {
        let namespace = SocketIOServer().of("/chat")
        let heard = Mutex(0)
        namespace.onServerSideEmit { _, _ in
            heard.withLock { $0 += 1 }
            return []
        }
        namespace.serverSideEmit("reload", args: ["a"])
        let answers = await namespace.serverSideEmitWithAck("count", args: [], timeout: .seconds(5))
        #expect(answers.isEmpty)
        #expect(heard.withLock { $0 } == 0, "the sender's own listener is not called")
    }
}
