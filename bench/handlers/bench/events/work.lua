-- pipeline: acked as queued, builds a small table, replies, and ends with ws:result.
local items = {}
for i = 1, 10 do
  items[i] = i * 2
end
SOCKET.reply("reply", { n = #items })
return { items = items, echo = BODY }
