"""urllib3 pool classes whose connections bound the status line and headers as a whole.

urllib3 sets the connection's ``timeout`` to the read timeout just before
``getresponse()``; that value is used here as the deadline for the complete status line
and headers (a server dripping header bytes resets a per-read timeout for ever).  Past it
the :class:`~ocitrace.transport.deadline.Watchdog` shuts the socket down and the read
fails as a ``TimeoutError``, which urllib3 reports as a read timeout (and the transport
retries within its budget).
"""

from __future__ import annotations

import http.client
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .deadline import Watchdog


def _guarded(base: type[HTTPConnection], dog: Watchdog) -> type[HTTPConnection]:
    class Guarded(base):  # type: ignore[valid-type,misc]
        def getresponse(self) -> Any:
            seconds = self.timeout
            sock = self.sock
            if not isinstance(seconds, int | float) or sock is None:
                return super().getresponse()
            alarm = dog.guard_socket(float(seconds), lambda: sock)
            try:
                resp = super().getresponse()
            except (OSError, http.client.HTTPException) as exc:
                if alarm.fired:
                    raise TimeoutError(
                        f"status line and headers did not arrive within {seconds:g}s"
                    ) from exc
                raise
            finally:
                alarm.cancel()
            if alarm.fired:  # shut down just as the headers completed: the body is gone
                resp.close()
                raise TimeoutError(f"status line and headers did not arrive within {seconds:g}s")
            return resp

    Guarded.__name__ = f"Guarded{base.__name__}"
    return Guarded


def pool_classes(dog: Watchdog) -> dict[str, type[HTTPConnectionPool]]:
    http_conn = _guarded(HTTPConnection, dog)
    https_conn = _guarded(HTTPSConnection, dog)

    class Pool(HTTPConnectionPool):
        ConnectionCls = http_conn

    class TLSPool(HTTPSConnectionPool):
        ConnectionCls = https_conn  # type: ignore[assignment]

    return {"http": Pool, "https": TLSPool}
