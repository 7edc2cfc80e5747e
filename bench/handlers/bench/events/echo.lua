-- echo-ack: the ack carries the body back.
return BODY
