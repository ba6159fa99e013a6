"""One file-size format for the board, release pages, admin and upload messages."""
import pytest

from feedserver.content.sizes import filesize
from feedserver.content.uploads import size_label


@pytest.mark.parametrize("size, shown", [
    (0, "0 B"), (574, "574 B"), (1023, "1,023 B"), (1024, "1 KB"), (1536, "1.5 KB"),
    (20 * 1024, "20 KB"), (1_258_291, "1.2 MB"), (20 * 1024 * 1024, "20 MB"), (5 * 1024 ** 3, "5 GB"),
])
def test_sizes_read_as_koreans_write_them(size, shown):
    assert filesize(size) == shown
    assert size_label(size) == shown  # upload limits say it the same way


def test_release_page_and_admin_use_it(demo_app, html):
    from feedserver.models import Attachment
    with demo_app.app_context():
        attachment = Attachment.select().first()
        public_id, size = attachment.release.public_id, attachment.size
    tree = html.page(demo_app.test_client().get(f"/releases/{public_id}"))
    sizes = html.texts(tree, "//section[@class='attachments']//span[@class='size']")
    assert f"({filesize(size)})" in sizes and not any("bytes" in s for s in sizes)
