"""Parse pages the way a reader sees them: lxml trees, their texts, the board's rows."""
import copy

import lxml.html


def page(response):
    """Parse an HTML response into an lxml tree."""
    return lxml.html.fromstring(response.get_data(as_text=True))


def texts(tree, xpath):
    """Return the stripped text of every node matching xpath."""
    return [" ".join(n.text_content().split()) for n in tree.xpath(xpath)]


def board_rows(tree):
    """Return (번호, 제목, 작성자, 작성일, 조회) tuples of a board page as a desktop shows its cells:
    without the phone row's separators and labels (.m-only) the marks after a title (.row-mark) or the
    note of an attachment that matched (.file-hit)."""
    rows = []
    for tr in tree.xpath("//table[contains(@class,'board-table')]/tbody/tr[td[@class='col-no']]"):
        cells = [" ".join(_text_without(td, "m-only", "row-mark", "file-hit").split()) for td in tr.xpath("td")]
        rows.append(tuple(cells))
    return rows


def row_marks(tree):
    """Return, per board row, the classes of its marks: {"file", "new", "excerpt"} subsets."""
    return [{cls for mark in tr.xpath(".//*[contains(@class,'row-mark')]")
             for cls in mark.get("class").split() if cls != "row-mark"}
            for tr in tree.xpath("//table[contains(@class,'board-table')]/tbody/tr[td[@class='col-no']]")]


def _text_without(node, *classes):
    """Return node's text, leaving out descendants that carry any of these classes."""
    node = copy.deepcopy(node)
    for cls in classes:
        for hidden in node.xpath(f".//*[contains(concat(' ', @class, ' '), ' {cls} ')]"):
            hidden.drop_tree()  # keeps the text that follows it
    return node.text_content()
