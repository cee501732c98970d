"""Files between the browser and the kernel: an upload field that checks the size first, a download button.

Two small anywidgets (their JavaScript is the strings below, served with the page: nothing is fetched
from a network):

- :class:`FilePicker` is a button that opens the browser's file dialog. It compares the file's size
  with ``limit_bytes`` *in the browser*, before anything is sent: a file over the limit is announced
  by name and size only (``on_too_large``), so that a 2 GB file never reaches the kernel's websocket.
  A file within the limit is sent in parts of ``part_bytes`` (Jupyter's server closes a websocket
  message over 10 MB without a word), joined in the kernel and handed over whole (``on_file``); the
  kernel counts the bytes again, so the limit holds whatever the browser says.
- :class:`DownloadButton` asks the kernel for a file when clicked (``prepare``, which may take a
  while: the button says so meanwhile), receives its bytes as one binary buffer and saves them with
  the browser's own download (a ``blob:`` URL in an anchor with ``download``). A link to save the
  same file again stays beside the button, in case the browser held the download back. Unlike a
  ``data:`` URI, a blob is not capped at Chromium's 2 MB URL length: a budget report with plotly.js
  inlined is 5 MB.

Neither widget reads or writes a file itself: the callbacks decide (:mod:`capacity.apps.session`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import anywidget
import traitlets

from capacity.exceptions import CapacityError

__all__ = ["FilePicker", "DownloadButton", "PART_BYTES"]

#: How much of an upload goes in one websocket message [bytes]: under the 10 MB that Jupyter's server takes.
PART_BYTES = 4 * 1024 * 1024

_PICKER_ESM = """
function render({ model, el }) {
  const label = document.createElement("label");
  label.className = "jupyter-button widget-button capacity-file-button";
  const input = document.createElement("input");
  input.type = "file";
  input.style.display = "none";
  const text = document.createElement("span");
  label.append(input, text);
  const sync = () => {
    text.textContent = model.get("description");
    input.accept = model.get("accept");
    input.disabled = model.get("disabled");
    label.classList.toggle("mod-disabled", model.get("disabled"));
  };
  sync();
  model.on("change:description", sync);
  model.on("change:accept", sync);
  model.on("change:disabled", sync);
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    input.value = "";  // picking the same file again is a change too
    if (!file) return;
    if (file.size > model.get("limit_bytes")) {
      model.send({ event: "too_large", name: file.name, size: file.size });
      return;
    }
    model.send({ event: "sending", name: file.name, size: file.size });
    // In parts: the server refuses a websocket message over 10 MB, and would drop the file silently.
    const step = model.get("part_bytes");
    const parts = Math.max(1, Math.ceil(file.size / step));
    for (let index = 0; index < parts; index++) {
      const buffer = await file.slice(index * step, (index + 1) * step).arrayBuffer();
      model.send({ event: "part", name: file.name, size: file.size, index, parts }, undefined, [buffer]);
    }
  });
  el.append(label);
}
export default { render };
"""

_DOWNLOAD_ESM = """
function render({ model, el }) {
  const button = document.createElement("button");
  button.className = "jupyter-button widget-button capacity-download-button";
  const link = document.createElement("a");
  link.className = "capacity-download-link";
  const sync = () => {
    const busy = model.get("busy");
    button.textContent = busy ? model.get("busy_description") : model.get("description");
    button.disabled = busy || model.get("disabled");
    button.classList.toggle("mod-disabled", button.disabled);
  };
  sync();
  for (const name of ["busy", "description", "busy_description", "disabled"]) model.on(`change:${name}`, sync);
  button.addEventListener("click", () => model.send({ event: "click" }));
  model.on("msg:custom", (msg, buffers) => {
    if (msg.event !== "file") return;
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob(buffers, { type: msg.mime }));
    link.download = msg.name;
    link.textContent = `save ${msg.name} again`;
    link.click();
  });
  el.append(button, link);
}
export default { render };
"""

_CSS = """
.capacity-file-button { display: inline-flex; align-items: center; cursor: pointer; width: auto; padding: 0 12px; }
.capacity-file-button.mod-disabled { cursor: default; opacity: 0.6; }
.capacity-download-button { width: auto; padding: 0 12px; }
.capacity-download-link { margin-left: 8px; font-size: 0.85em; }
"""


class FilePicker(anywidget.AnyWidget):
    """A button that opens the file dialog and sends the file picked, if it is within ``limit_bytes``.

    Parameters
    ----------
    description : str
        The button's text.
    accept : str
        The file dialog's filter (".csv,.xlsx").
    limit_bytes : int
        Files larger than this are not sent: ``on_too_large(name, size)`` is called instead.
    on_file : callable
        ``on_file(name, content)`` with the file's name (as the browser gives it) and its bytes.
    on_too_large : callable
        ``on_too_large(name, size)``.
    on_sending : callable, optional
        ``on_sending(name, size)`` when a file starts on its way (a large one takes a moment).
    """

    _esm = _PICKER_ESM
    _css = _CSS
    description = traitlets.Unicode("Upload").tag(sync=True)
    accept = traitlets.Unicode("").tag(sync=True)
    limit_bytes = traitlets.Int(0).tag(sync=True)
    part_bytes = traitlets.Int(PART_BYTES).tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    def __init__(self, description: str, *, accept: str, limit_bytes: int, on_file: Callable[[str, bytes], None],
                 on_too_large: Callable[[str, int], None], on_sending: Callable[[str, int], None] | None = None):
        super().__init__(description=description, accept=accept, limit_bytes=limit_bytes)
        self._on_file, self._on_too_large, self._on_sending = on_file, on_too_large, on_sending
        self._parts: list[bytes] = []
        self._received = 0
        self.on_msg(self._message)

    def _message(self, _widget, content: dict, buffers: list) -> None:
        event = content.get("event")
        name, size = str(content.get("name", "")), int(content.get("size", 0))
        if event == "too_large":
            self._on_too_large(name, size)
        elif event == "sending":
            self._parts, self._received = [], 0
            if self._on_sending is not None:
                self._on_sending(name, size)
        elif event == "part" and buffers:
            self._part(name, size, int(content.get("index", -1)), int(content.get("parts", 0)), bytes(buffers[0]))

    def _part(self, name: str, size: int, index: int, parts: int, data: bytes) -> None:
        if index != len(self._parts):  # a part of a file given up on (over the limit): the rest is dropped
            return
        self._received += len(data)
        if self._received > self.limit_bytes:
            self._parts, self._received = [], 0
            self._on_too_large(name, max(size, self.limit_bytes + 1))
            return
        self._parts.append(data)
        if len(self._parts) == parts:
            content, self._parts, self._received = b"".join(self._parts), [], 0
            self._on_file(name, content)


class DownloadButton(anywidget.AnyWidget):
    """A button that saves a file the kernel prepares when it is clicked.

    Parameters
    ----------
    description : str
        The button's text.
    prepare : callable
        ``prepare()`` returns ``(name, path)``: the name the browser saves the file under and the file
        to send. It may raise :class:`~capacity.exceptions.CapacityError`: ``on_error(exc)`` is then
        called and nothing is saved.
    on_error : callable
        ``on_error(exc)`` with the error ``prepare`` raised.
    mime : str
        The file's media type.
    busy_description : str
        The button's text while ``prepare`` runs.
    """

    _esm = _DOWNLOAD_ESM
    _css = _CSS
    description = traitlets.Unicode("Download").tag(sync=True)
    busy_description = traitlets.Unicode("Preparing...").tag(sync=True)
    busy = traitlets.Bool(False).tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    def __init__(self, description: str, prepare: Callable[[], tuple[str, Path]], *,
                 on_error: Callable[[CapacityError], None], mime: str = "application/octet-stream",
                 busy_description: str = "Preparing..."):
        super().__init__(description=description, busy_description=busy_description)
        self._prepare, self._on_error, self.mime = prepare, on_error, mime
        self.on_msg(self._message)

    def _message(self, _widget, content: dict, _buffers: list) -> None:
        if content.get("event") == "click" and not self.busy:
            self.download()

    def download(self) -> tuple[str, Path] | None:
        """Prepare the file and send it to the browser, which saves it; returns ``(name, path)`` (None on an error)."""
        self.busy = True
        try:
            name, path = self._prepare()
            data = Path(path).read_bytes()
        except CapacityError as exc:
            self._on_error(exc)
            return None
        finally:
            self.busy = False
        self.send({"event": "file", "name": name, "mime": self.mime}, buffers=[data])
        return name, Path(path)
