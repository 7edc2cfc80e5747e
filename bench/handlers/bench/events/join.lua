-- fanout: a subscriber joins the room it names.
SOCKET.join(BODY.room)
return { joined = BODY.room }
