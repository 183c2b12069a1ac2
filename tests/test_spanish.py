"""Spanish covers what people read on the dashboard (issue 19): every sentence marked for the catalog
(templates' t("..."), the code's _("...") and translator()("...")), read with Babel's extractors,
has a Spanish translation; and a seeded dashboard crawled in Spanish (every page its links reach,
the inbox, a message, search, ICE's lists, the send page) shows no English sentence outside what is
English on purpose (a letter to an agency, marked lang="en"; what an agency wrote; names)."""

from __future__ import annotations

import functools
import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest

from .seeded_copies import Seeds
from .test_inbox import reply, sent_by_email
from .test_web import browser
from .test_web_words import AGENCIES, crawl, seeded


@functools.cache
def extractor() -> ModuleType:
    """scripts/extract_messages.py, loaded once, its extraction run once for the tests that read it."""
    path = Path(__file__).resolve().parent.parent / "scripts" / "extract_messages.py"
    spec = importlib.util.spec_from_file_location("extract_messages", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.messages = functools.cache(module.messages)  # type: ignore[attr-defined]
    return module


# The two tests that read the catalog's extraction run on one worker, which extracts once.
@pytest.mark.xdist_group("message-extraction")
def test_every_marked_sentence_has_its_spanish() -> None:
    missing = extractor().untranslated("es")
    assert missing == {}, "\n".join(f"{where[0]}: {msgid!r}" for msgid, where in missing.items())


@pytest.mark.xdist_group("message-extraction")
def test_the_extraction_reads_templates_markers_and_page_translators() -> None:
    """The check itself: a sentence in a template, one marked with _ in the dashboard's code and one
    said through translator()(...) are all found, so a new one in English only would be missed by
    the catalog and fail the test above."""
    found = extractor().messages()
    assert "Save the change" in found and any("request.html" in w for w in found["Save the change"])
    assert "by you" in found  # web/inbox.py's HOW, marked with wording._
    assert "Sent to {to}; accepted at {at} (Message-ID {message_id})." in found  # translator()(...)
    assert "No request #{request}." in found  # wording's notes
    assert "request_id" not in found  # the store's rows are not sentences


# Words of English that are not Spanish words: a text node with one of them is an English sentence.
ENGLISH = frozenset(
    re.findall(
        r"\w+",
        "the and of to your you is are was were not for with from this that yet will it its have been what "
        "when which before after nothing none all any each only here there who how more by at or on in an be "
        "send sent letter request requests agency due days open closed back save change",
    )
)


class SpanishText(HTMLParser):
    """The text a person sees, each text node apart, leaving out what is not in the page's language
    on purpose: an element marked with another lang (a letter to an agency), translate="no", what an
    agency wrote (a message's <pre>, a search hit's <blockquote>, a highlighted sentence's <mark>)."""

    SKIPPED = ("script", "style", "head", "title", "pre", "blockquote", "mark")
    VOID = ("br", "img", "input", "meta", "link", "hr", "source", "wbr")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.links: list[str] = []
        self.skip: list[str] = []  # the open tags being left out (the outermost first)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if tag in self.VOID:
            return
        other = (found.get("lang") or "es")[:2] != "es" or found.get("translate") == "no"
        if self.skip or tag in self.SKIPPED or other:
            self.skip.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skip and self.skip[-1] == tag:
            self.skip.pop()

    def handle_data(self, data: str) -> None:
        if not self.skip and data.strip():
            self.texts.append(" ".join(data.split()))


def names() -> list[str]:
    """Proper names kept in English: the laws' names and citations, states, agencies, topics' keys, and
    the bodies an appeal or a court action goes to as the law names them ("the general district court
    or circuit court"): a legal name is not translated; the sentence around it is Spanish. A body the
    data only describes (wording.DESCRIBED_BODIES) is not a name: it is said in Spanish."""
    from records_req.laws import load_laws
    from records_req.wording import DESCRIBED_BODIES

    laws = load_laws()
    found = [*AGENCIES, "Harris County Sheriff's Office", "Officer for Public Information"]
    for place in laws.values():
        found += [place.name, place.law.name, place.law.citation, place.law.request_to or ""]
        found += [route.name for route in (place.appeal, *place.appeal.also) if route.name not in DESCRIBED_BODIES]
        found += [place.appeal.court_name or ""]
    return sorted({n for n in found if n}, key=len, reverse=True)


# Still English on a Spanish page, each for a reason to fix later. Empty since h-spanish: the deadline's
# explanation, the appeal windows and the topics' titles are said in Spanish, and the bodies an appeal
# goes to are names (above). The list may only shrink.
KNOWN_ENGLISH: tuple[re.Pattern[str], ...] = ()


def english_sentences(pages: dict[str, list[str]], proper: list[str], data: tuple[str, ...]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path, texts in pages.items():
        for text in texts:
            if any(pattern.search(text) for pattern in KNOWN_ENGLISH):
                continue
            rest = text
            for name in (*proper, *data):
                rest = rest.replace(name, " ")
            words = {w.lower() for w in re.findall(r"\w+", rest) if not w.isupper()}  # not codes: OR, IN
            if words & ENGLISH:
                found.append((path, text))
    return found


@pytest.mark.xdist_group("seeded-dashboard")  # with test_web_words.py, which seeds the same dashboard
def test_a_seeded_dashboard_in_spanish_shows_no_english_sentence(db_url: str, seeds: Seeds, tmp_path: Path) -> None:
    rr, made = seeds.on(db_url, tmp_path, seeded)
    rid, token = sent_by_email(rr, rr.url)
    for name in ("01-acknowledgment", "02-extension"):
        rr("inbox", "import", str(reply(tmp_path, name, token)))
    web = browser(rr)
    spanish = "es-MX,es;q=0.9"  # Spanish from the browser's language, on every page of the one walk
    web.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = spanish
    starts = ["/", "/inbox", "/ice", "/search?q=records", f"/requests/{rid}/send", "/inbox/messages/1"]
    html: dict[str, str] = {}
    pages = crawl(web, starts, limit=200, reading=SpanishText, leaving_out=("/attachments/",), html=html)
    for rid_ in made.values():
        assert f"/requests/{rid_}" in pages
    assert {"/inbox/messages/1", "/inbox/messages/2", "/ice", "/search?q=records"} <= set(pages)
    for path, page in html.items():
        assert '<html lang="es">' in page, path
    data = (
        "In-Reply-To",
        "Public Information Request",
        "called the clerk",
        "ana@example.org",
        str(tmp_path),
        str(seeds.folder),  # where the seeded copy's letters are kept
        "foia@fairfax.example",
        "records@hcso.example",
    )
    left = english_sentences(pages, names(), data)
    assert left == [], "\n".join(f"{path}: {text[:160]}" for path, text in left)


def test_the_check_sees_an_english_sentence_and_lets_names_and_spanish_pass() -> None:
    proper = names()
    old = {"/inbox": ["Waiting to be matched", "No reply taken in for this request yet."], "/x": ["Save the change"]}
    assert len(english_sentences(old, proper, ())) == 3
    fine = {
        "/": [
            "Solicitud #9 · Virginia · Virginia Freedom of Information Act (Va. Code Ann. §§ 2.2-3700 to 2.2-3715)",
            "Esperando a ser asociadas",
            "Fairfax County Sheriff's Office",
            "Guardar el cambio",
        ]
    }
    assert english_sentences(fine, proper, ()) == []
    parser = SpanishText()
    parser.feed(
        '<p>Hola</p><div class="letter" lang="en"><p>Dear Officer, the records</p></div><pre>Regards</pre><p>Fin</p>'
    )
    assert parser.texts == ["Hola", "Fin"]
