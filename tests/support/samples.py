"""Small valid files to upload: a PDF, a PNG, zip archives (the Office and HWPX formats are zips),
and .hwp/.hwpx/.pdf files holding Korean paragraphs."""
import io
import zipfile

from feedserver.publishing import demo_files


def tiny_pdf():
    """Return a small valid PDF."""
    return demo_files.pdf(["feedserver demo test"])


def hangul_files(paragraphs):
    """Return {"hwp": HWP 5 bytes, "hwpx": ..., "pdf": ...}, each holding these paragraphs."""
    return {"hwp": demo_files.hwp5(paragraphs), "hwpx": demo_files.hwpx(paragraphs),
            "pdf": demo_files.pdf(paragraphs)}


def tiny_png():
    """Return a 1x1 PNG."""
    return (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
            b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
            b"\x00\x00\x00\x00IEND\xaeB`\x82")


def zip_bytes(entries):
    """Return a zip archive holding {name: bytes}, in order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()
