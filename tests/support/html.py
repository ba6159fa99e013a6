"""Parse pages the way a reader sees them: lxml trees, their texts, the board's rows."""
import lxml.html


def page(response):
    """Parse an HTML response into an lxml tree."""
    return lxml.html.fromstring(response.get_data(as_text=True))


def texts(tree, xpath):
    """Return the stripped text of every node matching xpath."""
    return [" ".join(n.text_content().split()) for n in tree.xpath(xpath)]


def board_rows(tree):
    """Return (번호, 제목, 작성자, 작성일, 조회) tuples of a board page (without 첨부 match notes)."""
    rows = []
    for tr in tree.xpath("//table[contains(@class,'board-table')]/tbody/tr[td[@class='col-no']]"):
        cells = [" ".join("".join(td.xpath(".//text()[not(ancestor::*[@class='file-hit'])]")).split())
                 for td in tr.xpath("td")]
        rows.append(tuple(cells))
    return rows
