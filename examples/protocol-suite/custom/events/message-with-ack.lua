-- The ack carries the event's own arguments.
return table.unpack(ARGS, 1, #ARGS)
