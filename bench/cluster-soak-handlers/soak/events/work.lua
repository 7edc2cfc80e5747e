return {n = BODY.n, doubled = BODY.n * 2}
