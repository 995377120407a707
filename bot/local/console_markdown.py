"""Webex-flavoured markdown to safe HTML for the local console.

Safe by construction: every character of the input is HTML-escaped, then only the tags this
module writes itself are added (see ``ALLOWED_TAGS``); links keep http, https and mailto URLs
only. Raw HTML in a message is shown as text, never interpreted.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping

#: Every tag the renderer can emit, with the attributes it may carry (tests check this).
ALLOWED_TAGS: Mapping[str, frozenset[str]] = {
    "p": frozenset({"class"}),
    "br": frozenset(),
    "strong": frozenset(),
    "em": frozenset(),
    "del": frozenset(),
    "code": frozenset(),
    "pre": frozenset(),
    "ul": frozenset(),
    "ol": frozenset({"start"}),
    "li": frozenset(),
    "blockquote": frozenset(),
    "hr": frozenset(),
    "a": frozenset({"href", "rel", "target"}),
    "span": frozenset({"class", "title"}),
}

_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$")
_QUOTE = re.compile(r"^\s*>\s?(.*)$")

_PROTECTED = re.compile(
    r"(?P<code>`+)(?P<code_text>.+?)(?P=code)"
    r"|<@(?:personEmail|personId):(?P<mention_ref>[^>|]+)"
    r"(?:\|(?P<mention_label>[^>]*))?>"
    r"|(?P<all><@all>)"
    r"|\[(?P<link_text>[^\]]+)\]\((?P<link_url>[^)\s]+)(?:\s+\"[^\"]*\")?\)"
    r"|(?P<auto>(?<![\w/])(?:https?://)[^\s<>()\"']+[^\s<>()\"'.,;:!?])"
    r"|\\(?P<escaped>[\\`*_{}\[\]()#+\-.!~>|])"
)
_EMPHASIS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)"), r"<strong>\1</strong>"),
    (re.compile(r"\*(?=[^\s*])(.+?)(?<=[^\s*])\*"), r"<em>\1</em>"),
    (re.compile(r"(?<!\w)_(?=[^\s_])(.+?)(?<=[^\s_])_(?!\w)"), r"<em>\1</em>"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"<del>\1</del>"),
]
_AUTOLINK = re.compile(r"(?<![\w/])https?://[^\s<>()\"']+[^\s<>()\"'.,;:!?]")
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def safe_url(url: str) -> str | None:
    """The URL when its scheme is http, https or mailto; None otherwise."""
    url = url.strip()
    return url if url.lower().startswith(_SAFE_SCHEMES) else None


def _link(url: str, label_html: str) -> str:
    return f'<a href="{_esc(url)}" rel="noopener noreferrer" target="_blank">{label_html}</a>'


def render_inline(text: str, *, mention_names: Callable[[str], str | None] | None = None) -> str:
    """One line (or paragraph) of inline markdown as safe HTML."""
    text = text.replace("\x00", "")
    saved: list[str] = []

    def keep(fragment: str) -> str:
        saved.append(fragment)
        return f"\x00{len(saved) - 1}\x00"

    def protect(match: re.Match[str]) -> str:
        if match.group("code") is not None:
            return keep(f"<code>{_esc(match.group('code_text').strip())}</code>")
        if match.group("mention_ref") is not None:
            ref = match.group("mention_ref")
            label = match.group("mention_label") or (mention_names and mention_names(ref)) or ref
            return keep(f'<span class="mention" title="{_esc(ref)}">@{_esc(label)}</span>')
        if match.group("all") is not None:
            return keep('<span class="mention">@all</span>')
        if match.group("link_text") is not None:
            url = safe_url(match.group("link_url"))
            label = render_inline(match.group("link_text"), mention_names=mention_names)
            if url is None:
                return keep(_esc(match.group(0)))
            return keep(_link(url, label))
        if match.group("auto") is not None:
            url = match.group("auto")
            return keep(_link(url, _esc(url)))
        return keep(_esc(match.group("escaped")))

    escaped = _esc(_PROTECTED.sub(protect, text))
    for pattern, replacement in _EMPHASIS:
        escaped = pattern.sub(replacement, escaped)
    return _PLACEHOLDER.sub(lambda m: saved[int(m.group(1))], escaped)


def render_plain(text: str) -> str:
    """Plain text (what a person typed) as safe HTML: escaped, URLs linked, lines kept."""
    lines = text.replace("\r\n", "\n").replace("\x00", "").split("\n")
    return "<br>".join(_AUTOLINK.sub(_autolink, _esc(line)) for line in lines)


def _autolink(match: re.Match[str]) -> str:
    # The URL was matched in escaped text: unescape it once so the attribute escape isn't doubled.
    url = html.unescape(match.group(0))
    return _link(url, match.group(0))


def render_markdown(
    markdown: str, *, mention_names: Callable[[str], str | None] | None = None
) -> str:
    """A whole message of Webex markdown as safe HTML (paragraphs, lists, code blocks...)."""
    lines = markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return _Blocks(mention_names).render(lines)


class _Blocks:
    """Block structure: fences, headings, rules, quotes, nested lists, paragraphs."""

    def __init__(self, mention_names: Callable[[str], str | None] | None) -> None:
        self.mention_names = mention_names

    def inline(self, text: str) -> str:
        return render_inline(text, mention_names=self.mention_names)

    def render(self, lines: list[str]) -> str:
        out: list[str] = []
        paragraph: list[str] = []
        i = 0

        def flush() -> None:
            if paragraph:
                out.append("<p>" + "<br>".join(self.inline(p) for p in paragraph) + "</p>")
                paragraph.clear()

        while i < len(lines):
            line = lines[i]
            fence = _FENCE.match(line)
            if fence:
                flush()
                body: list[str] = []
                i += 1
                while i < len(lines) and not lines[i].strip().startswith(fence.group(1)):
                    body.append(lines[i])
                    i += 1
                i += 1
                out.append("<pre><code>" + _esc("\n".join(body)) + "</code></pre>")
                continue
            if not line.strip():
                flush()
                i += 1
                continue
            heading = _HEADING.match(line)
            if heading:
                flush()
                level = len(heading.group(1))
                out.append(
                    f'<p class="md-heading md-h{level}"><strong>'
                    f"{self.inline(heading.group(2))}</strong></p>"
                )
                i += 1
                continue
            if _RULE.match(line):
                flush()
                out.append("<hr>")
                i += 1
                continue
            if _QUOTE.match(line):
                flush()
                quoted: list[str] = []
                while i < len(lines) and (match := _QUOTE.match(lines[i])):
                    quoted.append(match.group(1))
                    i += 1
                out.append("<blockquote>" + self.render(quoted) + "</blockquote>")
                continue
            if _ITEM.match(line):
                flush()
                items: list[str] = []
                while i < len(lines) and (_ITEM.match(lines[i]) or _continues(lines[i], items)):
                    items.append(lines[i])
                    i += 1
                out.append(self.list_html(items))
                continue
            paragraph.append(line.strip())
            i += 1
        flush()
        return "".join(out)

    def list_html(self, lines: list[str]) -> str:
        """A (possibly nested) list from its item lines; deeper indentation nests."""
        out: list[str] = []
        stack: list[tuple[int, str]] = []  # (indent, "ul" | "ol")
        for line in lines:
            match = _ITEM.match(line)
            if match is None:
                # An indented continuation line belongs to the open item.
                out.append("<br>" + self.inline(line.strip()))
                continue
            indent, marker, text = len(match.group(1).expandtabs(4)), match.group(2), match.group(3)
            kind = "ol" if marker[0].isdigit() else "ul"
            while stack and indent < stack[-1][0]:
                out.append(f"</li></{stack.pop()[1]}>")
            if stack and indent == stack[-1][0] and kind != stack[-1][1]:
                out.append(f"</li></{stack.pop()[1]}>")
            if not stack or indent > stack[-1][0]:
                start = int(marker[:-1]) if kind == "ol" else 1
                out.append(f'<ol start="{start}">' if kind == "ol" and start != 1 else f"<{kind}>")
                stack.append((indent, kind))
            else:
                out.append("</li>")
            out.append("<li>" + self.inline(text))
        while stack:
            out.append(f"</li></{stack.pop()[1]}>")
        return "".join(out)


def _continues(line: str, items: list[str]) -> bool:
    return bool(items) and line.startswith(("  ", "\t")) and bool(line.strip())
