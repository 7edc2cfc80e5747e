return BODY
