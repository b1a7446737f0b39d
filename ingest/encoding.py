"""Turn the bytes of a text file into ``str`` without mojibake.

The order of evidence, strongest first: a byte-order mark; the NUL-byte pattern of BOM-less
UTF-16/32; strict UTF-8; an encoding the file declares (HTML ``<meta charset>``); a statistical
guess (charset-normalizer, nudged towards cp1252 when that reads just as well); cp1252; latin-1.
Strict UTF-8 comes before any single-byte guess because valid multi-byte UTF-8 almost never
happens by chance, so ``cafÃ©`` can only appear if a file really contains those characters.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from ingest.errors import EmptyDocument, ParseFailed

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 LE starts with the UTF-16 LE mark, so the longer marks are tried first.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SAMPLE_BYTES = 8192
# Share of NUL bytes that the "high" lanes of UTF-16/32 text show (ASCII-heavy text: close to 1).
_NUL_LANE_MIN = 0.6
# Share of NUL bytes tolerated in the lane that carries the character's low byte.
_TEXT_LANE_MAX = 0.05
# charset-normalizer's chaos (and language coherence) scores closer than this count as a tie.
_CHAOS_TIE = 0.01
_COHERENCE_TIE = 0.2  # e.g. mac_cyrillic 0.36 vs cp1251 0.23 on one Russian sentence
_WINDOWS_CODE_PAGES = tuple(f"cp{number}" for number in range(1250, 1259))


def decode_text(data: bytes, *, declared: str | None = None) -> str:
    """Decode ``data`` to text with ``\\n`` newlines and no byte-order mark.

    ``declared`` is an encoding the file names itself (``<meta charset>``); it is used only when
    no BOM or UTF-16/32 pattern is found and the bytes are not valid UTF-8, and only if it decodes
    them strictly. Raises :class:`EmptyDocument` (``"empty file"``) when nothing but white space
    remains, :class:`ParseFailed` when the bytes are binary, not text.

    >>> decode_text("café".encode("cp1252"))
    'café'
    """
    text = _decode(data, declared)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise EmptyDocument("empty file")
    return text


def _bom(data: bytes) -> tuple[bytes, str] | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return bom, codec
    return None


def _decode(data: bytes, declared: str | None) -> str:
    found = _bom(data)
    if found is not None:
        bom, codec = found
        # The mark is explicit: a stray bad sequence later on becomes U+FFFD, not a refusal.
        return data[len(bom) :].decode(codec, errors="replace")
    wide = _wide_unicode(data)
    if wide is not None:
        return wide
    if b"\x00" in data[:_SAMPLE_BYTES]:
        raise ParseFailed("not a text file: binary data")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for candidate in (_usable_codec(declared), _guess_codec(data), "cp1252"):
        if candidate is None:
            continue
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _wide_unicode(data: bytes) -> str | None:
    """Decode BOM-less UTF-32/UTF-16 recognised by where their NUL bytes fall, or ``None``."""
    sample = data[:_SAMPLE_BYTES]
    for codec, width, nul_lanes, text_lane in (
        ("utf-32-le", 4, (1, 2, 3), 0),
        ("utf-32-be", 4, (0, 1, 2), 3),
        ("utf-16-le", 2, (1,), 0),
        ("utf-16-be", 2, (0,), 1),
    ):
        if len(data) % width or len(sample) < width:
            continue
        lanes = [sample[i::width] for i in range(width)]
        if all(_nul_share(lanes[i]) >= _NUL_LANE_MIN for i in nul_lanes) and (
            _nul_share(lanes[text_lane]) <= _TEXT_LANE_MAX
        ):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                continue
    return None


def _nul_share(lane: bytes) -> float:
    return lane.count(0) / len(lane) if lane else 0.0


def _usable_codec(name: str | None) -> str | None:
    """A Python codec for a declared encoding, or ``None`` when unknown or not byte-oriented."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip()).name
    except LookupError:
        return None
    if codec.startswith(("utf-16", "utf-32")):
        # A declaration readable as ASCII bytes cannot be true of UTF-16/32 data.
        return None
    # As browsers do: a latin-1 or ASCII label means windows-1252, a strict superset.
    return "cp1252" if codec in {"iso8859-1", "ascii"} else codec


def _guess_codec(data: bytes) -> str | None:
    """charset-normalizer's best guess; on a tie cp1252 first, then other Windows code pages.

    Short texts read equally well in several code pages to the detector (Western text in cp1250
    and cp1252, Russian in cp1251 and mac_cyrillic); the Windows ones are far more common. Longer
    texts rarely tie: the detector's language coherence separates them.
    """
    matches = [m for m in from_bytes(data) if not m.encoding.startswith(("utf_16", "utf_32"))]
    if not matches:
        return None
    top = matches[0]  # charset-normalizer ranks by chaos, then language coherence
    tied = [
        match.could_be_from_charset
        for match in matches
        if match.chaos <= top.chaos + _CHAOS_TIE and match.coherence >= top.coherence - _COHERENCE_TIE
    ]
    for preferred in (("cp1252",), _WINDOWS_CODE_PAGES):
        for names in tied:
            for name in names:
                if name in preferred:
                    return name
    return tied[0][0]
