"""The upload field and the download button, kernel side: an upload in parts joined whole, the limit counted again."""

from __future__ import annotations

from capacity.views.file_widgets import PART_BYTES, FilePicker


def _picker(limit: int):
    seen = []
    picker = FilePicker("Upload", accept=".csv", limit_bytes=limit, on_file=lambda n, c: seen.append(("file", n, c)),
                        on_too_large=lambda n, s: seen.append(("too_large", n, s)),
                        on_sending=lambda n, s: seen.append(("sending", n, s)))
    return picker, seen


def _send(picker, name: str, content: bytes, step: int) -> None:
    parts = max(1, -(-len(content) // step))
    picker._message(picker, {"event": "sending", "name": name, "size": len(content)}, [])
    for index in range(parts):
        picker._message(picker, {"event": "part", "name": name, "size": len(content), "index": index, "parts": parts},
                        [memoryview(content[index * step:(index + 1) * step])])


def test_parts_are_joined_into_the_file_in_order():
    picker, seen = _picker(1000)
    assert picker.part_bytes == PART_BYTES < 10 * 1024 * 1024  # under what Jupyter's server takes in one message
    _send(picker, "a.csv", bytes(range(250)) * 3, step=100)
    assert seen == [("sending", "a.csv", 750), ("file", "a.csv", bytes(range(250)) * 3)]
    seen.clear()
    _send(picker, "empty.csv", b"", step=100)  # one part, empty
    assert seen == [("sending", "empty.csv", 0), ("file", "empty.csv", b"")]


def test_the_kernel_counts_the_bytes_again_and_drops_a_file_over_the_limit():
    picker, seen = _picker(500)
    _send(picker, "big.csv", b"x" * 750, step=100)  # a browser that said nothing of its size
    assert seen == [("sending", "big.csv", 750), ("too_large", "big.csv", 750)]
    seen.clear()
    _send(picker, "small.csv", b"y" * 300, step=100)  # the next upload is taken whole
    assert seen == [("sending", "small.csv", 300), ("file", "small.csv", b"y" * 300)]


def test_a_file_the_browser_refuses_is_announced_by_name_and_size():
    picker, seen = _picker(500)
    picker._message(picker, {"event": "too_large", "name": "huge.csv", "size": 2 * 1024**3}, [])
    assert seen == [("too_large", "huge.csv", 2 * 1024**3)]
