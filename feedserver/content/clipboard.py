"""What Word and Hangul put on the clipboard, read before the sanitiser drops their styles.

Both programs say bold, italic and underline with inline styles (`font-weight:bold`) and Word
writes a list as paragraphs styled `mso-list:l0 level1`; the sanitiser removes styles, so
their meaning is turned into tags (<strong>, <em>, <u>, <ul>/<ol>) first.
"""
import re

import lxml.html
from lxml import etree

SOURCE_BREAK = re.compile(r"[ \t]*[\r\n]+[ \t]*")
BOLD = {"bold", "bolder", "600", "700", "800", "900"}
INLINE = {"span", "font"}
# Blocks whose whole content a style may make bold or italic.
BLOCKS = {"p", "div", "td", "th", "li"}
MSO_LEVEL = re.compile(r"level(\d+)")
# A Word list marker that counts: 1. 1) (1) a. 가. i. ①; anything else is a bullet.
ORDERED_MARKER = re.compile(r"^\(?([0-9]+|[a-zA-Z]|[가-힣]|[ivxlcIVXLC]+)[.)]|^[\u2460-\u2473]")


def styles(element):
    """Return the element's inline style as {property: value}, lower-case, quotes dropped."""
    found = {}
    for part in (element.get("style") or "").split(";"):
        name, _, value = part.partition(":")
        if value:
            found[name.strip().lower()] = value.strip().strip("'\"").lower()
    return found


def semantic_tags(style):
    """Return the tags an inline style stands for, outermost first."""
    tags = []
    if style.get("font-weight") in BOLD:
        tags.append("strong")
    if style.get("font-style") in ("italic", "oblique"):
        tags.append("em")
    if "underline" in style.get("text-decoration", "") + style.get("text-decoration-line", ""):
        tags.append("u")
    return tags


def prepare(raw):
    """Return raw HTML with comments gone, styled emphasis as tags and Word lists as lists."""
    try:
        body = lxml.html.document_fromstring(raw).body
    except (etree.ParserError, ValueError):
        return raw
    if body is None:
        return raw
    for node in body.xpath("//comment()|//processing-instruction()"):
        node.drop_tree()
    _word_lists(body)
    for element in list(body.iter(etree.Element)):
        _emphasis(element)
    _unwrap_source_lines(body)
    return (body.text or "") + "".join(lxml.html.tostring(c, encoding="unicode") for c in body)


def _unwrap_source_lines(body):
    """Join the lines Word wraps its HTML source at (inside blocks; top-level lines stay)."""
    for element in body.iterdescendants(etree.Element):
        if element.tag == "pre" or any(a.tag == "pre" for a in element.iterancestors()):
            continue
        if element.text:
            element.text = SOURCE_BREAK.sub(" ", element.text)
        if element.tail and element.getparent() is not body:
            element.tail = SOURCE_BREAK.sub(" ", element.tail)


def _emphasis(element):
    """Turn a bold/italic/underline style into tags; spans become the tag itself."""
    tags = semantic_tags(styles(element))
    if not tags or element.tag in tags:
        return
    if element.tag in INLINE:
        element.tag = tags.pop(0)
    elif element.tag not in BLOCKS:
        return
    for tag in reversed(tags):
        _wrap_content(element, tag)


def _wrap_content(element, tag):
    """Move everything inside element into a new child element `tag`."""
    wrapper = etree.Element(tag)
    wrapper.text, element.text = element.text, None
    for child in list(element):
        wrapper.append(child)
    element.append(wrapper)


def _list_level(element):
    if element.tag != "p":
        return None
    style = styles(element).get("mso-list", "")
    if not style or style == "ignore":
        return None
    match = MSO_LEVEL.search(style)
    return int(match.group(1)) if match else 1


def _word_lists(body):
    """Group runs of Word's list paragraphs into nested <ul>/<ol> with <li> items."""
    for parent in list(body.iter(etree.Element)):
        run = []
        for child in list(parent):
            level = _list_level(child)
            if level is None:
                if run:
                    _build_list(parent, run)
                run = []
            else:
                run.append((level, child))
        if run:
            _build_list(parent, run)


def _build_list(parent, run):
    """Replace the paragraphs of one run by a list; deeper levels nest in the last item."""
    first = run[0][1]
    stack = []  # (level, list element)
    root = None
    for level, paragraph in run:
        ordered = _take_marker(paragraph)
        while stack and stack[-1][0] > level:
            stack.pop()
        if not stack or stack[-1][0] < level:
            lst = etree.Element("ol" if ordered else "ul")
            if stack and len(stack[-1][1]):
                stack[-1][1][-1].append(lst)
            elif root is None:
                root = lst
            else:
                stack[-1][1].append(lst)
            stack.append((level, lst))
        item = etree.SubElement(stack[-1][1], "li")
        item.text = paragraph.text
        for child in list(paragraph):
            item.append(child)
        item.tail = None
    root.tail = run[-1][1].tail
    parent.replace(first, root)
    for _, paragraph in run[1:]:
        parent.remove(paragraph)


def _take_marker(paragraph):
    """Remove Word's typed list marker (the mso-list:Ignore span); tell if it counts."""
    marker = ""
    for span in paragraph.xpath(".//*[@style]"):
        if styles(span).get("mso-list") == "ignore":
            marker = span.text_content().strip()
            span.drop_tree()
            break
    return bool(ORDERED_MARKER.match(marker))
