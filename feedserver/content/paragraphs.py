"""Paragraph structure of a cleaned body: loose lines become <p>, plain URLs become links.

Runs on the sanitiser's output, so it sees only allowed tags; everything here is a fixed
point of itself (a second run changes nothing), which keeps clean_body idempotent.
"""
import re

import lxml.html
from linkify_it import LinkifyIt
from lxml import etree

# Blocks: whitespace beside them is layout, not text.
BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "blockquote",
          "pre", "hr", "figure", "li", "dt", "dd", "tr", "td", "th", "caption", "figcaption"}
# Items found outside their list, and the list that takes them in.
STRAY = {"li": "ul", "dt": "dl", "dd": "dl"}
STRAY_MARK = "data-stray"
# What a paragraph may hold; any other element at the top stands on its own.
PHRASING = {"a", "b", "strong", "em", "i", "u", "s", "sub", "sup", "small", "mark", "code", "br",
            "img"}
# Containers whose own text between children is only layout whitespace.
CONTAINERS = {"table", "thead", "tbody", "tfoot", "tr", "colgroup", "ul", "ol", "dl"}
# No links are made inside these.
NO_LINKS = {"a", "pre", "code"}
SPACES = re.compile(r"[ \t\r\n\f]+")
# Korean runs straight on after a URL ("https://gg.go.kr/news에서"): the particle is not the URL's.
HANGUL_TAIL = re.compile(r"(?<=[A-Za-z0-9])[\uac00-\ud7a3\u3131-\u318e]+$")
_linkify = LinkifyIt()


def structure(html):
    """Return html with top-level lines as paragraphs and URLs linked; other text as it was."""
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    _paragraphs(root)
    _link_urls(root)  # before spaces are settled: a link splits text into new tails
    for element in list(root.iter(etree.Element)):
        if element.get("class") == "":
            del element.attrib["class"]  # what the sanitiser leaves of a class it does not keep
        if element.tag in CONTAINERS:
            _drop_layout_spaces(element)
        elif element.tag != "pre":
            _drop_spaces_around_blocks(element)
    for block in list(root):
        if _is_empty(block):
            root.remove(block)
    return "\n".join(lxml.html.tostring(c, encoding="unicode").strip() for c in root)


def _paragraphs(root):
    """Split each loose run of text and inline tags at its line breaks into paragraphs."""
    items = [root.text or ""]
    for child in root:
        items += [child, child.tail or ""]
        child.tail = None
    root.text = None
    for child in list(root):
        root.remove(child)
    builder = _Blocks()
    for item in items:
        if isinstance(item, str):
            builder.text(item)
        elif not _phrasing(item):
            builder.block(item)
        else:
            builder.inline(item)
    root.extend(builder.finish())


def _phrasing(element):
    """Tell whether an element may sit inside a <p>: a <b> around a <div> may not."""
    return element.tag in PHRASING and all(
        el.tag in PHRASING for el in element.iterdescendants(etree.Element))


class _Blocks:
    """Collects the body's blocks, opening a paragraph for loose text and closing it at a newline."""

    def __init__(self):
        self.blocks, self.open = [], None

    def text(self, text):
        for i, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
            if i:
                self.close()
            if line.strip() or self.open is not None:
                _append_text(self._paragraph(), line)

    def inline(self, element):
        self._paragraph().append(element)

    def block(self, element):
        self.close()
        wrapper = STRAY.get(element.tag)
        if wrapper is None:
            self.blocks.append(element)
            return
        # A list item outside a list: the item joins the list before it, or starts one.
        if not (self.blocks and self.blocks[-1].tag == wrapper and self.blocks[-1].get(STRAY_MARK)):
            self.blocks.append(etree.Element(wrapper, {STRAY_MARK: "1"}))
        self.blocks[-1].append(element)

    def finish(self):
        self.close()
        for block in self.blocks:
            block.attrib.pop(STRAY_MARK, None)
        return self.blocks

    def close(self):
        if self.open is not None and not _is_empty(self.open):
            _trim(self.open)
            self.blocks.append(self.open)
        self.open = None


    def _paragraph(self):
        if self.open is None:
            self.open = etree.Element("p")
        return self.open


def _append_text(element, text):
    if len(element):
        element[-1].tail = (element[-1].tail or "") + text
    else:
        element.text = (element.text or "") + text


def _trim(paragraph):
    """Drop the spaces a line starts or ends with: the line break was the boundary."""
    paragraph.text = (paragraph.text or "").lstrip() or None
    if len(paragraph):
        paragraph[-1].tail = (paragraph[-1].tail or "").rstrip() or None
    elif paragraph.text:
        paragraph.text = paragraph.text.rstrip()


def _is_empty(block):
    """Tell an empty paragraph (spaces, &nbsp; or a lone <br>) from one with content."""
    if block.tag != "p":
        return False
    if any(el.tag != "br" for el in block.iter(etree.Element) if el is not block):
        return False
    return not "".join(block.itertext()).replace("\u00a0", " ").strip()


def _blank(text):
    """Tell layout whitespace (spaces, tabs, newlines) from text; &nbsp; is text."""
    return bool(text) and SPACES.fullmatch(text) is not None


def _drop_layout_spaces(container):
    """Remove whitespace-only text between a table's or a list's children."""
    if _blank(container.text):
        container.text = None
    for child in container:
        if _blank(child.tail):
            child.tail = None


def _drop_spaces_around_blocks(element):
    """Remove whitespace-only text beside a block inside a cell or item (`<td> <p>`)."""
    children = list(element)
    if children and children[0].tag in BLOCKS and _blank(element.text):
        element.text = None
    for child, following in zip(children, children[1:] + [None]):
        if _blank(child.tail) and (
                child.tag in BLOCKS or (following is not None and following.tag in BLOCKS)):
            child.tail = None


def _link_urls(root):
    """Wrap plain URLs, www. addresses and e-mail addresses in text nodes in links."""
    for element in list(root.iter(etree.Element)):
        if element.tag in NO_LINKS or any(a.tag in NO_LINKS for a in element.iterancestors()):
            continue
        if element.text:
            element.text = _split_links(element.text, lambda nodes, e=element: _insert_start(e, nodes))
        for child in list(element):
            if child.tail:
                child.tail = _split_links(child.tail, lambda nodes, c=child: _insert_after(c, nodes))


def _matches(text):
    """Return (start, end, url) of the links in text, a Korean particle after a URL left out."""
    found = []
    for match in _linkify.match(text) or []:
        end, url = match.last_index, match.url
        tail = HANGUL_TAIL.search(match.text)
        if tail:
            end -= len(tail.group())
            url = url[: len(url) - len(tail.group())]
        found.append((match.index, end, url))
    return found


def _split_links(text, insert):
    """Return the text before the first link; insert the links and the text between them."""
    matches = _matches(text) if ("." in text or "@" in text) else []
    if not matches:
        return text
    nodes = []
    for i, (start, end, url) in enumerate(matches):
        link = etree.Element("a", href=url)
        link.text = text[start:end]
        following = matches[i + 1][0] if i + 1 < len(matches) else len(text)
        link.tail = text[end:following]
        nodes.append(link)
    insert(nodes)
    return text[: matches[0][0]]


def _insert_start(element, nodes):
    for offset, node in enumerate(nodes):
        element.insert(offset, node)


def _insert_after(child, nodes):
    parent = child.getparent()
    position = parent.index(child)
    for offset, node in enumerate(nodes, 1):
        parent.insert(position + offset, node)
