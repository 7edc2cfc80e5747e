-- As many SOCKET calls as a run may make (1,000), then computing until the run is stopped at its time limit: a worker
-- held for the whole of it.
SOCKET.join("flooded")
for n = 1, 999 do
  SOCKET.emitToRoom("flooded", "flood", n)
end
while true do end
