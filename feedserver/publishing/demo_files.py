"""Real .hwp, .hwpx and .pdf files with Korean text for the demo board, written without 한글.

HWP 5 is an OLE compound file (a FAT file system in a file): FileHeader, DocInfo, a deflated
BodyText/Section0 of PARA_TEXT records, and the PrvText preview. HWPX is a zip of XML whose
paragraphs hold <hp:t> runs. The PDF draws with a Type0 font whose codes are the Unicode code
points and carries a ToUnicode map, so its text extracts on a machine with no Korean fonts.
"""
import io
import struct
import textwrap
import zipfile
import zlib
from html import escape

SECTOR, MINI, CUTOFF = 512, 64, 4096
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def hwp5(paragraphs):
    """Return an HWP 5 file whose body and preview hold these paragraphs."""
    header = b"HWP Document File".ljust(32, b"\0") + struct.pack("<II", 0x05000300, 1)
    records = b"".join(_record(67, (p + "\r").encode("utf-16-le")) for p in paragraphs)
    body = zlib.compress(records, 9)[2:-4]  # raw deflate, as Hangul writes it
    preview = "\r\n".join(f"<{p}>" for p in paragraphs)[:1023].encode("utf-16-le")
    return compound_file({"FileHeader": header.ljust(256, b"\0"), "DocInfo": zlib.compress(b"")[2:-4],
                          "BodyText/Section0": body, "PrvText": preview})


def _record(tag, data):
    if len(data) >= 0xFFF:  # a long record names its size after the header
        return struct.pack("<II", tag | (0xFFF << 20), len(data)) + data
    return struct.pack("<I", tag | (len(data) << 20)) + data


def compound_file(streams):
    """Return an OLE compound file (version 3) holding {"path/name": bytes}, one storage level."""
    entries = [{"name": "Root Entry", "type": 5, "children": []}]
    storages = {}
    for path, data in streams.items():
        parent = 0
        if "/" in path:
            folder, path = path.split("/", 1)
            if folder not in storages:
                storages[folder] = len(entries)
                entries.append({"name": folder, "type": 1, "children": []})
                entries[0]["children"].append(storages[folder])
            parent = storages[folder]
        entries[parent]["children"].append(len(entries))
        entries.append({"name": path, "type": 2, "data": data, "children": []})
    return _Layout(entries).build()


class _Layout:
    """Place streams in sectors and mini sectors, then write the header, FAT and directory."""

    def __init__(self, entries):
        self.entries = entries
        self.mini, self.minifat, self.big = bytearray(), [], []

    def build(self):
        for entry in self.entries[1:]:
            if entry["type"] == 2:
                self._place(entry)
        ndir = -(-len(self.entries) * 128 // SECTOR)
        nminifat = -(-len(self.minifat) * 4 // SECTOR)
        nmini = -(-len(self.mini) // SECTOR)
        nbig = sum(-(-len(e["data"]) // SECTOR) for e in self.big)
        rest = ndir + nminifat + nmini + nbig
        nfat = 1
        while nfat * (SECTOR // 4) < nfat + rest:
            nfat += 1
        fat, sectors = [FATSECT] * nfat, []
        first = {"dir": self._chain(fat, ndir), "minifat": self._chain(fat, nminifat),
                 "mini": self._chain(fat, nmini)}
        for entry in self.big:
            entry["start"] = self._chain(fat, -(-len(entry["data"]) // SECTOR))
        self.entries[0].update(start=first["mini"] if nmini else END, size=len(self.mini))
        sectors.append(self._directory().ljust(ndir * SECTOR, b"\0"))
        sectors.append(struct.pack(f"<{len(self.minifat)}I", *self.minifat).ljust(nminifat * SECTOR, b"\xff"))
        sectors.append(bytes(self.mini).ljust(nmini * SECTOR, b"\0"))
        sectors += [e["data"].ljust(-(-len(e["data"]) // SECTOR) * SECTOR, b"\0") for e in self.big]
        fat += [FREE] * (nfat * SECTOR // 4 - len(fat))
        header = self._header(nfat, first["dir"], first["minifat"] if nminifat else END, nminifat)
        return header + struct.pack(f"<{len(fat)}I", *fat) + b"".join(sectors)

    def _place(self, entry):
        data = entry["data"]
        if len(data) >= CUTOFF:
            self.big.append(entry)
            entry["size"] = len(data)
            return
        count = max(1, -(-len(data) // MINI))
        start = len(self.mini) // MINI
        self.minifat += [start + i + 1 for i in range(count - 1)] + [END]
        self.mini += data.ljust(count * MINI, b"\0")
        entry.update(start=start, size=len(data))

    @staticmethod
    def _chain(fat, count):
        """Append a chain of count sectors to the FAT; return its first sector."""
        if not count:
            return END
        start = len(fat)
        fat += [start + i + 1 for i in range(count - 1)] + [END]
        return start

    @staticmethod
    def _header(nfat, first_dir, first_minifat, nminifat):
        difat = [i for i in range(nfat)] + [FREE] * (109 - nfat)
        return (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16
                + struct.pack("<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, nfat, first_dir, 0,
                              CUTOFF, first_minifat, nminifat, END, 0)
                + struct.pack("<109I", *difat))

    def _directory(self):
        links = {}
        for entry in self.entries:
            ordered = sorted(entry["children"], key=lambda i: (len(self.entries[i]["name"]),
                                                              self.entries[i]["name"].upper()))
            entry["child"] = _balanced(ordered, links)
        out = bytearray()
        for number, entry in enumerate(self.entries):
            name = entry["name"].encode("utf-16-le") + b"\0\0"
            left, right = links.get(number, (NOSTREAM, NOSTREAM))
            out += (name.ljust(64, b"\0") + struct.pack("<HBB", len(name), entry["type"], 1)
                    + struct.pack("<III", left, right, entry["child"]) + b"\0" * 36
                    + struct.pack("<IQ", entry.get("start", END if entry["type"] == 1 else 0),
                                  entry.get("size", 0)))
        return bytes(out)


def _balanced(ordered, links):
    """Link sorted siblings as a balanced binary tree (all black); return its root or NOSTREAM."""
    if not ordered:
        return NOSTREAM
    middle = len(ordered) // 2
    links[ordered[middle]] = (_balanced(ordered[:middle], links), _balanced(ordered[middle + 1:], links))
    return ordered[middle]


def hwpx(paragraphs):
    """Return an HWPX file (OWPML zip) whose one section holds these paragraphs."""
    runs = "".join(f'<hp:p id="{i}" paraPrIDRef="0" styleIDRef="0"><hp:run charPrIDRef="0">'
                   f"<hp:t>{escape(p, quote=False)}</hp:t></hp:run></hp:p>"
                   for i, p in enumerate(paragraphs))
    section = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<hs:sec xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" '
               f'xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph">{runs}</hs:sec>')
    container = ('<?xml version="1.0" encoding="UTF-8"?><ocf:container '
                 'xmlns:ocf="urn:oasis:names:tc:opendocument:xmlns:container"><ocf:rootfiles>'
                 '<ocf:rootfile full-path="Contents/content.hpf" media-type="application/hwpml-package+xml"/>'
                 '</ocf:rootfiles></ocf:container>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><opf:package '
                'xmlns:opf="http://www.idpf.org/2007/opf/"><opf:manifest><opf:item id="section0" '
                'href="Contents/section0.xml" media-type="application/xml"/></opf:manifest>'
                '<opf:spine><opf:itemref idref="section0"/></opf:spine></opf:package>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/hwp+zip", zipfile.ZIP_STORED)  # first, stored
        archive.writestr("META-INF/container.xml", container, zipfile.ZIP_DEFLATED)
        archive.writestr("Contents/content.hpf", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("Contents/section0.xml", section, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def pdf(paragraphs):
    """Return a one-page PDF showing these lines, its text extractable through a ToUnicode map."""
    lines = [line for p in paragraphs for line in textwrap.wrap(p, 40) or [""]][:45]
    chars = sorted({ord(c) for line in lines for c in line if ord(c) <= 0xFFFF})
    shown = b"".join(b"<%s> Tj 0 -18 Td\n" % "".join(f"{ord(c):04X}" for c in line
                                                     if ord(c) <= 0xFFFF).encode() for line in lines)
    content = b"BT /F1 12 Tf 40 800 Td\n" + shown + b"ET"
    cmap = _to_unicode(chars)
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>")
    font = (b"<< /Type /Font /Subtype /Type0 /BaseFont /NanumGothic /Encoding /Identity-H "
            b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>")
    # Hangul and other wide characters are 1000 units, space and Latin narrower (/W).
    cid_font = (b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NanumGothic /DW 1000 "
                b"/W [32 32 300 33 12287 560] "
                b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                b"/FontDescriptor 8 0 R >>")
    descriptor = (b"<< /Type /FontDescriptor /FontName /NanumGothic /Flags 4 "
                  b"/FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 900 /Descent -200 "
                  b"/CapHeight 700 /StemV 80 >>")
    objects = [b"<< /Type /Catalog /Pages 2 0 R /Lang (ko-KR) >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, pdf_stream(content), font,
               cid_font, pdf_stream(cmap), descriptor]
    return pdf_document(objects)


def pdf_document(objects):
    """Return a PDF of these numbered objects (1 is the catalog), with its cross-reference table."""
    out, offsets = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_stream(data, extra=b""):
    """Return a PDF stream object holding data."""
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _to_unicode(chars):
    """Return a ToUnicode CMap mapping each two-byte code to the same code point."""
    blocks = [chars[i:i + 100] for i in range(0, len(chars), 100)]
    body = "".join(f"{len(b)} beginbfchar\n" + "".join(f"<{c:04X}> <{c:04X}>\n" for c in b)
                   + "endbfchar\n" for b in blocks)
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" + body
            + "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n").encode()
