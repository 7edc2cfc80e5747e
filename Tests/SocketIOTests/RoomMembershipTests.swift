@testable import SocketIO
import Testing

@Suite struct RoomMembershipTests {
    /// a, b, c known; a and b in "red", b and c in "blue".
    private func sample() -> RoomMembership {
        var membership = RoomMembership()
        for id in ["a", "b", "c"] { membership.add(id, to: [id]) }
        membership.add("a", to: ["red"])
        membership.add("b", to: ["red", "blue"])
        membership.add("c", to: ["blue"])
        return membership
    }

    private func select(_ membership: RoomMembership, rooms: Set<String> = [], except: Set<String> = []) -> Set<String> {
        let ids = membership.select(BroadcastOptions(rooms: rooms, except: except))
        #expect(ids.count == Set(ids).count, "each socket selected once")
        return Set(ids)
    }

    @Test func selectsRoomsExceptRoomsAndSocketIds() {
        let membership = sample()
        #expect(select(membership) == ["a", "b", "c"])
        #expect(select(membership, rooms: ["red"]) == ["a", "b"])
        #expect(select(membership, rooms: ["red", "blue"]) == ["a", "b", "c"])
        #expect(select(membership, rooms: ["red"], except: ["blue"]) == ["a"])
        #expect(select(membership, except: ["red"]) == ["c"])
        #expect(select(membership, rooms: ["blue"], except: ["c"]) == ["b"])
        #expect(select(membership, rooms: ["b"]) == ["b"])
        #expect(select(membership, rooms: ["nobody"]).isEmpty)
        #expect(select(membership, rooms: ["red", "nobody"], except: ["nobody"]) == ["a", "b"])
    }

    @Test func leavingAndLeavingEverywhere() {
        var membership = sample()
        membership.remove("b", from: "red")
        #expect(select(membership, rooms: ["red"]) == ["a"])
        #expect(membership.rooms(of: "b") == ["b", "blue"])
        membership.remove("b", from: "never-joined")
        membership.removeAll("b")
        #expect(membership.rooms(of: "b").isEmpty)
        #expect(select(membership) == ["a", "c"])
        #expect(membership.size(of: "blue") == 1)
        membership.removeAll("a")
        #expect(membership.size(of: "red") == 0)
        #expect(select(membership, rooms: ["red"]).isEmpty)
    }

    @Test func aSocketThatLeftIsNotPutBackByALateJoin() {
        var membership = sample()
        membership.removeAll("a")
        let rejoined = membership.add("a", to: ["red"])
        #expect(!rejoined)
        #expect(membership.size(of: "red") == 1)
        #expect(membership.rooms(of: "a").isEmpty)
        let stranger = membership.add("stranger", to: ["red"])
        #expect(!stranger, "a socket must register with its own room first")
    }

    @Test func sizesCountEachSocketOnce() {
        var membership = sample()
        membership.add("a", to: ["red"])
        #expect(membership.size(of: "red") == 2)
        #expect(membership.size(of: "a") == 1)
    }

    @Test func aSocketsOwnRoomIsImpliedAndCannotBeLeft() {
        var membership = sample()
        membership.remove("a", from: "a")
        #expect(select(membership, rooms: ["a"]) == ["a"])
        #expect(membership.rooms(of: "a") == ["a", "red"])
        // Another socket may join a room named by a socket's id: it is then addressed with it.
        membership.add("c", to: ["a"])
        #expect(select(membership, rooms: ["a"]) == ["a", "c"])
        #expect(membership.size(of: "a") == 2)
        #expect(select(membership, rooms: ["red"], except: ["a"]) == ["b"])
        membership.removeAll("a")
        #expect(select(membership, rooms: ["a"]) == ["c"], "the room outlives the socket it was named after")
    }
}
