return ARGS[1] + ARGS[2]
