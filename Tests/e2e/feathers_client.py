"""A client that speaks Feathers' Socket.IO wire contract byte for byte (transport-commons, as
`@feathersjs/socketio-client` sends it): `emit(method, path, ...args, callback)` with an error-first callback."""


class FeathersError(Exception):
    def __init__(self, payload):
        super().__init__(payload)
        self.payload = payload


def call(sio, method, path, *args, namespace="/"):
    """The `data` of `callback(null, data)`; raises FeathersError with the error object of `callback(error)`."""
    answer = sio.call(method, (path, *args), namespace=namespace, timeout=10)
    if isinstance(answer, tuple) and answer[0] is None:
        return answer[1]
    raise FeathersError(answer[0] if isinstance(answer, tuple) else answer)


def error_of(sio, method, path, *args):
    try:
        call(sio, method, path, *args)
    except FeathersError as error:
        return error.payload
    raise AssertionError(f"{method} {path} succeeded")
