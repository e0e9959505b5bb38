"""Where a multipart form's uploaded files go while the form is parsed.

werkzeug's form parser asks a *stream factory* for somewhere to write each
uploaded file: memory for a small one, a temporary file for a large one. A
parse that fails midway (a part too large, a malformed boundary) must close
the files it had opened already, so the factory here remembers them.
"""

from __future__ import annotations

from typing import IO

from werkzeug.formparser import default_stream_factory


class RememberedStreams:
    """werkzeug's stream factory for uploads, remembering the streams it opened.

    A form parse that fails midway must close the files it had opened.
    """

    def __init__(self) -> None:
        self.opened: list[IO[bytes]] = []

    def __call__(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        """Open a stream for one uploaded file, as werkzeug's own factory would."""
        stream = default_stream_factory(
            total_content_length, content_type, filename, content_length
        )
        self.opened.append(stream)
        return stream
