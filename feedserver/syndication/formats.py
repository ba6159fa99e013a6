"""Describe a feed once; serialise it as RSS 2.0, Atom 1.0, JSON Feed 1.1 and OPML."""
from __future__ import annotations

import re
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import datetime
from html import escape
from urllib.parse import quote, urljoin

import lxml.html
from feedgen.feed import FeedGenerator
from lxml import etree
from lxml.html.defs import empty_tags

from feedserver.syndication import jsonfeed

ATOM = "http://www.w3.org/2005/Atom"
SY = "http://purl.org/rss/1.0/modules/syndication/"
FH = "http://purl.org/syndication/history/1.0"
_ATOM_LINK = f"{{{ATOM}}}link"
_FH_ARCHIVE = f"{{{FH}}}archive"

_ASTRAL_NONCHARS = "".join(
    f"\\U{plane:04X}FFFE\\U{plane:04X}FFFF" for plane in range(1, 17))
_XML_ILLEGAL = re.compile(
    "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ud800-\\udfff\\ufdd0-\\ufdef\\ufffe\\uffff"
    + _ASTRAL_NONCHARS + "]")
# Browsers ignore whitespace and control characters inside a URL scheme.
_URL_NOISE = re.compile(r"[\x00-\x20]+")
_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
_PI_URL_SAFE = "/:?#[]@!$&'()*+,;=%~"
_MORE_LINK = '<p>… <a href="{href}">전문 보기</a></p>'
# The longest HTML entity name is 31 characters; an "&" further back is not a torn entity.
_ENTITY_SPAN = 40
# Our own feedgen output is trusted; only the 10 MB text-node limit must go.
_TRUSTED_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@dataclass(frozen=True)
class Enclosure:
    url: str
    length: int
    mime_type: str
    title: str


@dataclass(frozen=True)
class Rights:
    """A licence as feeds state it: 공공누리 type, its Korean name and where it is explained."""

    type: int
    label: str
    url: str

    @property
    def text(self) -> str:
        return f"{self.label} ({self.url})"


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    author: str
    category: str
    category_term: str
    summary: str
    content_html: str
    enclosures: tuple[Enclosure, ...] = ()
    rights: Rights | None = None


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    description: str
    link: str
    self_url: str
    updated: datetime
    items: tuple[Item, ...]
    language: str = "ko"
    ttl_minutes: int = 10
    hubs: tuple[str, ...] = ()
    prev_archive: str | None = None
    next_archive: str | None = None
    current: str | None = None
    is_archive: bool = False
    icon: str | None = None
    stylesheet: str | None = None
    rights: str | None = None


def clean_text(s: str) -> str:
    """Remove characters that XML 1.0 cannot carry."""
    return _XML_ILLEGAL.sub("", s)


def _scrub(value):
    """Return value with clean_text applied to every string inside it."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, tuple):
        return tuple(_scrub(v) for v in value)
    if is_dataclass(value):
        return replace(value, **{f.name: _scrub(getattr(value, f.name)) for f in fields(value)})
    return value


def _is_script_url(url: str) -> bool:
    """Tell whether a URL would run code when followed."""
    return _URL_NOISE.sub("", url).lower().startswith(_SCRIPT_SCHEMES)


def _absolute_srcset(srcset: str, base: str) -> str:
    """Join each candidate URL of a srcset against base."""
    candidates = (c.split() for c in srcset.split(","))
    return ", ".join(" ".join([urljoin(base, c[0]), *c[1:]]) for c in candidates if c)


def absolutize_html(html: str, base: str) -> str:
    """Make every href/src absolute against base and drop active content."""
    if not html:
        return ""
    root = lxml.html.fragment_fromstring(clean_text(html), create_parent="div")
    # Defence in depth: the board sanitises on save, but feeds outlive policies.
    for node in root.xpath("//script|//style|//comment()|//processing-instruction()"):
        node.drop_tree()
    for el in root.iter(etree.Element):
        for name in [n for n in el.attrib if n.lower().startswith("on")]:
            del el.attrib[name]
        if "srcset" in el.attrib:
            el.set("srcset", _absolute_srcset(el.get("srcset"), base))
    root.make_links_absolute(base, resolve_base_href=False, handle_failures="discard")
    for el, attr, url, _ in list(root.iterlinks()):
        if attr and _is_script_url(url):
            el.attrib.pop(attr, None)
    children = "".join(lxml.html.tostring(c, encoding="unicode") for c in root)
    return escape(root.text or "", quote=False) + children


def truncate_html(html: str, limit: int, link: str) -> str:
    """Cut html to at most limit UTF-8 bytes at a tag or word boundary, ending with a 전문 보기 link."""
    if len(html) <= limit and len(html.encode("utf-8", "surrogatepass")) <= limit:
        return html
    more = _MORE_LINK.format(href=escape(link))
    budget = max(0, limit - len(more.encode()))
    # Only a prefix is parsed, so a 15 MB body costs what a short one does; it is measured
    # with absolute links, as feeds carry it.
    head = absolutize_html(_untorn_prefix(html, budget), link)
    return _fit(lxml.html.fragment_fromstring(head, create_parent="div"), budget) + more


def _untorn_prefix(html: str, size: int) -> str:
    """Return at most size characters of html, without a torn tag or entity at the end."""
    head = html[:size]
    amp = head.rfind("&", max(0, len(head) - _ENTITY_SPAN))
    if amp >= 0 and ";" not in head[amp:]:
        head = head[:amp]
    lt = head.rfind("<")
    return head[:lt] if lt > head.rfind(">") else head


class _Budget:
    """Serialised pieces that fit in a byte budget; end tags still owed are reserved."""

    def __init__(self, size: int):
        self.left, self.parts, self.closing, self.owed = size, [], [], 0

    def add(self, piece: str, end: str = "") -> bool:
        """Add a start tag (with its end tag owed) or text; False once it does not fit."""
        size = len(piece.encode())
        if size + len(end) + self.owed > self.left:
            return False
        self.parts.append(piece)
        self.left -= size
        if end:
            self.closing.append(end)
            self.owed += len(end)
        return True

    def add_text(self, text: str) -> bool:
        """Add escaped text, or as much of it as fits cut at a word; False when cut."""
        escaped = escape(text, quote=False)
        if self.add(escaped):
            return True
        cut = escaped.encode()[:max(0, self.left - self.owed)].decode("utf-8", "ignore")
        cut = re.sub(r"&[^;]*$", "", cut)  # no torn entity
        space = cut.rfind(" ")
        self.add(cut[:space] if space > len(cut) - _ENTITY_SPAN else cut)
        return False

    def close(self) -> None:
        """Write the end tag of the innermost open element."""
        end = self.closing.pop()
        self.parts.append(end)
        self.left -= len(end)
        self.owed -= len(end)

    def html(self) -> str:
        return "".join(self.parts) + "".join(reversed(self.closing))


def _start_tag(el) -> str:
    """Return el's start tag; end tags are ASCII, as lxml's HTML parser names are."""
    attrs = "".join(f' {name}="{escape(value)}"' for name, value in el.attrib.items())
    return f"<{el.tag}{attrs}>"


def _fit(root, size: int) -> str:
    """Serialise root's content in document order until size bytes are used; close what is open."""
    budget = _Budget(size)
    # iterwalk, not recursion: a body nested thousands of levels deep must not overflow the stack.
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(el.tag, str):  # comment or processing instruction: keep only the tail
            if event == "end" and el.tail and not budget.add_text(el.tail):
                break
            continue
        if event == "start":
            void = el.tag in empty_tags
            if el is not root and not budget.add(_start_tag(el), "" if void else f"</{el.tag}>"):
                break
            if el.text and not budget.add_text(el.text):
                break
            continue
        if el is root:
            break
        if el.tag not in empty_tags:
            budget.close()
        if el.tail and not budget.add_text(el.tail):
            break
    return budget.html()


def _attachment_list(enclosures: tuple[Enclosure, ...]) -> str:
    """Render the attachments RSS cannot enclose as a Korean HTML list."""
    if not enclosures:
        return ""
    rows = "".join(f'<li><a href="{escape(e.url)}">{escape(e.title)}</a></li>'
                   for e in enclosures)
    return f"<h3>첨부파일</h3><ul>{rows}</ul>"


def _seconds(instant: datetime) -> datetime:
    """Drop microseconds and refuse naive datetimes."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime refused")
    return instant.replace(microsecond=0)


def _extra_links(feed: Feed) -> list[tuple[str, str]]:
    """List the WebSub and RFC 5005 links as (rel, href)."""
    archive = (("prev-archive", feed.prev_archive), ("next-archive", feed.next_archive),
               ("current", feed.current))
    return [("hub", hub) for hub in feed.hubs] + [(rel, url) for rel, url in archive if url]


def _add_entry(fg: FeedGenerator, item: Item, rss: bool) -> None:
    """Describe one item to feedgen, keeping the caller's order."""
    fe = fg.add_entry(order="append")
    fe.id(item.id)
    fe.title(item.title)
    fe.link(href=item.link)
    fe.published(_seconds(item.published))
    fe.updated(_seconds(item.updated))
    if item.author:
        fe.author(name=item.author)
        fe.dc.dc_creator(item.author)  # RSS <author> needs an e-mail address
    if item.category_term or item.category:
        fe.category(term=item.category_term or item.category, label=item.category)
    fe.summary(item.summary or item.title, type="text")
    if item.rights is not None:
        if rss:  # RSS 2.0 has rights only per channel: Dublin Core's per item
            fe.dc.dc_rights(item.rights.text)
        else:
            fe.rights(item.rights.text)
    rest = item.enclosures[1:] if rss else ()
    fe.content(absolutize_html(item.content_html + _attachment_list(rest), item.link),
               type="html")
    if rss and item.enclosures:
        first = item.enclosures[0]
        fe.enclosure(first.url, str(first.length), first.mime_type)


def _generator(feed: Feed, rss: bool) -> FeedGenerator:
    """Build a feedgen generator whose output depends only on feed."""
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False)
    fg.id(feed.id)
    fg.title(feed.title)
    fg.subtitle(feed.description or feed.title)
    fg.language(feed.language)
    fg.updated(_seconds(feed.updated))  # feedgen would stamp now()
    fg.ttl(max(1, feed.ttl_minutes))
    if feed.rights:
        fg.rights(feed.rights)  # RSS <copyright>, Atom <rights>
    if feed.icon:
        fg.icon(feed.icon)
        if rss:  # feedgen would also make the square icon an Atom 2:1 logo
            fg.image(url=feed.icon)
    mime = "application/rss+xml" if rss else "application/atom+xml"
    fg.link(href=feed.self_url, rel="self", type=mime)
    for rel, href in _extra_links(feed):
        fg.link(href=href, rel=rel)
    # RSS <channel><link> is whatever link() was called last.
    fg.link(href=feed.link, rel="alternate", type="text/html")
    for item in feed.items:
        _add_entry(fg, item, rss)
    return fg


def _el(tag: str, text: str | None = None, **attrib: str):
    """Create a detached element with optional text."""
    el = etree.Element(tag, attrib)
    el.text = text
    return el


def _insert_before(parent, tag: str, elements: list) -> None:
    """Insert elements before the first child called tag, or at the end."""
    first = parent.find(tag)
    index = parent.index(first) if first is not None else len(parent)
    parent[index:index] = elements


def _serialise(root, feed: Feed) -> bytes:
    """Serialise with declared prefixes and the optional stylesheet PI."""
    etree.cleanup_namespaces(root, top_nsmap={"sy": SY, "fh": FH})
    if feed.stylesheet:
        href = escape(quote(feed.stylesheet, safe=_PI_URL_SAFE))
        root.addprevious(etree.ProcessingInstruction(
            "xml-stylesheet", f'type="text/xsl" href="{href}"'))
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def to_rss(feed: Feed) -> bytes:
    """Serialise feed as RSS 2.0."""
    feed = _scrub(feed)
    root = etree.fromstring(_generator(feed, rss=True).rss_str(), _TRUSTED_XML)
    # feedgen writes only rel=self to RSS, and its sy: extension misspells the element names.
    extras = [_el(_ATOM_LINK, rel=rel, href=href) for rel, href in _extra_links(feed)]
    frequency = max(1, round(60 / max(1, feed.ttl_minutes)))
    extras += [_el(f"{{{SY}}}updatePeriod", "hourly"),
               _el(f"{{{SY}}}updateFrequency", str(frequency))]
    if feed.is_archive:
        extras.append(_el(_FH_ARCHIVE))
    _insert_before(root[0], "item", extras)
    return _serialise(root, feed)


def _fix_atom_links(entry, item: Item) -> None:
    """Rewrite entry links; feedgen 1.0.0 drops their rel/type/length (#135, #143)."""
    for old in entry.findall(_ATOM_LINK):
        entry.remove(old)
    links = [_el(_ATOM_LINK, rel="alternate", type="text/html", href=item.link)]
    links += [_el(_ATOM_LINK, rel="enclosure", href=e.url, type=e.mime_type,
                  length=str(e.length), title=e.title) for e in item.enclosures]
    _insert_before(entry, f"{{{ATOM}}}summary", links)


def to_atom(feed: Feed) -> bytes:
    """Serialise feed as Atom 1.0."""
    feed = _scrub(feed)
    root = etree.fromstring(_generator(feed, rss=False).atom_str(), _TRUSTED_XML)
    for entry, item in zip(root.iterfind(f"{{{ATOM}}}entry"), feed.items, strict=True):
        _fix_atom_links(entry, item)
    if feed.is_archive:
        _insert_before(root, f"{{{ATOM}}}entry", [_el(_FH_ARCHIVE)])
    return _serialise(root, feed)


def to_json(feed: Feed) -> bytes:
    """Serialise feed as JSON Feed 1.1."""
    feed = _scrub(feed)
    items = tuple(replace(i, content_html=absolutize_html(i.content_html, i.link),
                          published=_seconds(i.published), updated=_seconds(i.updated))
                  for i in feed.items)
    return jsonfeed.render(replace(feed, items=items))


def to_opml(title: str, outlines: list[tuple[str, str, str]]) -> bytes:
    """Serialise (text, xmlUrl, htmlUrl) outlines as OPML 2.0."""
    root = etree.Element("opml", version="2.0")
    etree.SubElement(etree.SubElement(root, "head"), "title").text = clean_text(title)
    body = etree.SubElement(root, "body")
    for text, xml_url, html_url in outlines:
        text, xml_url, html_url = _scrub((text, xml_url, html_url))
        etree.SubElement(body, "outline", type="rss", text=text, title=text,
                         xmlUrl=xml_url, htmlUrl=html_url)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
