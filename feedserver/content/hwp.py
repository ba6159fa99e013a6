"""Text from 한글 files: HWP 5 (an OLE compound file) and HWPX (a zip of XML), both bounded.

HWP 5 keeps its body in BodyText/Section* streams of records, usually deflated; a reader
that fails there still has PrvText, the preview text (UTF-16LE) Hangul writes for every file.
HWPX keeps the body in Contents/section*.xml, the text in <hp:t> runs.
"""
import io
import re
import struct
import time
import zipfile
import zlib

import olefile
from lxml import etree

SIGNATURE = b"HWP Document File"
MAX_STREAM = 8 * 1024 * 1024      # bytes read or inflated from one stream or zip part
MAX_TOTAL = 16 * 1024 * 1024      # bytes inflated from all sections together
MAX_SECTIONS = 64
PARA_TEXT = 67                     # HWPTAG_BEGIN (16) + 51
# Controls that occupy eight UTF-16 units (the code, six of data, the code again).
WIDE_CONTROLS = frozenset((1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23))
SECTION = re.compile(r"^Contents/section(\d+)\.xml$")
HP_NS = "http://www.hancom.co.kr/hwpml/2011/paragraph"


class Unreadable(ValueError):
    """The file is not what it says, or is damaged."""


def hwp5_text(data, limit, deadline=None):
    """Return the body text of an HWP 5 file, or its preview text when the body cannot be read."""
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        header = _stream(ole, "FileHeader", 256)
        if not header.startswith(SIGNATURE):
            raise Unreadable("no HWP 5 FileHeader signature")
        flags = struct.unpack_from("<I", header, 36)[0] if len(header) >= 40 else 0
        if flags & 0x2:  # password-protected: the body is encrypted
            return _preview(ole, limit)
        try:
            body = _body_text(ole, bool(flags & 0x1), limit, deadline)
        except (OSError, zlib.error, struct.error, Unreadable):
            body = ""
        return body or _preview(ole, limit)


def _stream(ole, name, cap):
    if not ole.exists(name) or ole.get_type(name) != olefile.STGTY_STREAM:
        return b""
    with ole.openstream(name) as stream:
        return stream.read(cap)


def _preview(ole, limit):
    return _stream(ole, "PrvText", limit * 2).decode("utf-16-le", "replace")


def _body_text(ole, compressed, limit, deadline):
    """Return the text of the BodyText sections, in order, within the size and time budgets."""
    numbers = sorted(int(p[1][7:]) for p in ole.listdir()
                     if len(p) == 2 and p[0] == "BodyText" and re.fullmatch(r"Section\d+", p[1]))
    out, size, inflated = [], 0, 0
    for number in numbers[:MAX_SECTIONS]:
        if inflated >= MAX_TOTAL or (deadline and time.monotonic() > deadline):
            break
        raw = _stream(ole, f"BodyText/Section{number}", MAX_STREAM)
        if compressed:
            raw = zlib.decompressobj(-15).decompress(raw, MAX_STREAM)
        inflated += len(raw)
        for text in _paragraphs(raw):
            out.append(text)
            size += len(text)
            if size >= limit:
                return "\n".join(out)
    return "\n".join(out)


def _paragraphs(raw):
    """Yield the text of each PARA_TEXT record of a section's record stream."""
    pos = 0
    while pos + 4 <= len(raw):
        header = struct.unpack_from("<I", raw, pos)[0]
        tag, size = header & 0x3FF, header >> 20
        pos += 4
        if size == 0xFFF:
            size = struct.unpack_from("<I", raw, pos)[0]
            pos += 4
        if tag == PARA_TEXT:
            yield _para_text(raw[pos:pos + size])
        pos += size


def _para_text(record):
    """Return a paragraph's characters without its control codes."""
    units = struct.unpack(f"<{len(record) // 2}H", record[: len(record) // 2 * 2])
    out, i = [], 0
    while i < len(units):
        code = units[i]
        if code in WIDE_CONTROLS:
            i += 8
            continue
        if code == 9 or code >= 32:
            out.append(chr(code))
        elif code == 10:  # a line break inside the paragraph
            out.append("\n")
        i += 1
    # Surrogate pairs were read unit by unit: put them back together.
    return "".join(out).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def hwpx_text(data, limit, deadline=None):
    """Return the text runs of an HWPX file's sections, paragraph by paragraph."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sections = sorted((int(m.group(1)), info) for info in archive.infolist()
                          if (m := SECTION.match(info.filename)))
        if not sections:
            raise Unreadable("no Contents/section*.xml")
        out, size, inflated = [], 0, 0
        for _, info in sections[:MAX_SECTIONS]:
            if inflated >= MAX_TOTAL or (deadline and time.monotonic() > deadline):
                break
            part = _read_part(archive, info)
            inflated += len(part)
            for text in _xml_paragraphs(part):
                out.append(text)
                size += len(text)
                if size >= limit:
                    return "\n".join(out)
        return "\n".join(out)


def _read_part(archive, info):
    """Return a zip part's bytes, refusing one that inflates past MAX_STREAM whatever it declares."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise Unreadable("unsupported compression")
    with archive.open(info) as stream:
        data = stream.read(MAX_STREAM + 1)
    if len(data) > MAX_STREAM:
        raise Unreadable("section too large")
    return data


def _xml_paragraphs(xml):
    """Yield the text of each hp:p paragraph (text runs joined), without entities or DTDs."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False, recover=False)
    root = etree.fromstring(xml, parser)
    for para in root.iter(f"{{{HP_NS}}}p"):
        # A table's cells hold paragraphs of their own: take only this paragraph's runs.
        runs = [t for t in para.iter(f"{{{HP_NS}}}t")
                if next(t.iterancestors(f"{{{HP_NS}}}p")) is para]
        text = "".join("".join(t.itertext()) for t in runs)
        if text.strip():
            yield text
