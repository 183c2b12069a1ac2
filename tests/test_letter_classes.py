"""Classes of wording defects (issue 16, section 2), each checked in several jurisdictions, most of
them states that no review has read: a defect found in one state is a class, so the test that
catches it runs wherever the class can occur.

Letters are composed (not rendered) here: what is checked is what they say.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from records_req.errors import UsageError
from records_req.laws import load_laws
from records_req.letters.compose import AsSent, as_sent, compose, record_items, scope_sentence
from records_req.letters.grounds import exemptions_in_words, grounds_for, unanswered
from records_req.letters.request import RequestSpec, build_letter_request, dated_window_start

LAWS = load_laws()
D = dt.date
REQUESTER = {
    "requester_name": "Ana Núñez",
    "requester_email": "ana@example.org",
    "requester_address": "1 Main St\nTown, ST 00000",
    "requester_phone": "555-0100",
}


def cli_at(tmp_path: Path) -> Callable[..., str]:
    """The command line on a scratch database, at a given date; fails the test on a non-zero exit."""
    from click.testing import CliRunner

    from records_req.cli import cli

    url = f"sqlite:///{tmp_path / 'r.db'}"

    def run(*args: str, today: str = "2026-10-27") -> str:
        result = CliRunner().invoke(cli, ["--db", url, "--as-of", today, *args], env={"RECORDS_REQ_OUT": str(tmp_path)})
        assert result.exit_code == 0, result.output
        return result.stdout

    return run


def spec(code: str, **kw: object) -> RequestSpec:
    base: dict[str, object] = {
        "agency": "Sample County Sheriff's Office",
        "topic_keys": ("wso", "ice-communications"),
        "requester_state": code,
        "letter_date": D(2026, 11, 27),
        **REQUESTER,
    }
    base.update(kw)
    return RequestSpec(**base)  # type: ignore[arg-type]


def text_of(code: str, **kw: object) -> tuple[str, list[str]]:
    req, notes = build_letter_request(LAWS[code], spec(code, **kw))
    return " ".join(compose(req).plain_text().split()), notes


def later(code: str, kind: str, **kw: object) -> tuple[str, list[str]]:
    base: dict[str, object] = {"kind": kind, "request_date": D(2026, 9, 1), "force": True}
    base.update(kw)
    return text_of(code, **base)


# --- 1. Follow-ups and appeals restate the request as sent ----------------------------------------

UNREVIEWED = ["AZ", "NC", "OH", "WA", "GA", "NE"]


@pytest.mark.parametrize("code", UNREVIEWED)
@pytest.mark.parametrize("kind", ["follow-up", "appeal"])
def test_later_letters_list_every_item_the_initial_letter_asked_for(code: str, kind: str) -> None:
    initial, _ = build_letter_request(LAWS[code], spec(code))
    sent_items = [i.text for i in record_items(initial)]
    text, _ = later(code, kind, denied_on=D(2026, 9, 20) if kind == "appeal" else None)
    for item in sent_items:  # the automatic items too ("about this request", retention schedules)
        assert " ".join(item.split()) in text, item[:60]
    # the custodians and search terms the email item refers to ("the custodians named below")
    assert "the jail administrator or detention commander" in text
    assert '"ice.dhs.gov"' in text


@pytest.mark.parametrize("code", ["AZ", "NC", "WA"])
def test_a_tracked_request_is_restated_from_what_was_stored_not_from_topics(code: str) -> None:
    """Items changed in the topics after the letter went out: the follow-up keeps the sent ones."""
    initial, _ = build_letter_request(LAWS[code], spec(code))
    stored = AsSent.from_json(as_sent(initial).to_json())
    changed = stored._replace(items=(*stored.items[:2],))  # what the initial letter said, kept
    req, _ = build_letter_request(LAWS[code], spec(code, kind="follow-up", request_date=D(2026, 9, 1), force=True))
    composed = compose(req._replace(as_sent=changed))
    listed = [b.text for b in composed.body if b.kind == "item"]
    assert listed == [i.text for i in stored.items[:2]]  # exactly the stored items, in their order
    scope = scope_sentence(req._replace(as_sent=changed))
    named = {int(n) for m in re.finditer(r"Items? ((?:\d+(?:, | and )?)+)", scope) for n in re.findall(r"\d+", m[1])}
    assert named <= {1, 2}, scope  # the date rules speak of the stored items only


def test_stored_request_round_trips_through_json() -> None:
    initial, _ = build_letter_request(LAWS["OH"], spec("OH", since=D(2020, 3, 1), dated_since=D(2024, 11, 1)))
    kept = as_sent(initial)
    assert AsSent.from_json(kept.to_json()) == kept
    assert kept.since == D(2020, 3, 1) and kept.dated_since == D(2024, 11, 1)


# --- 2. The date range is set per item ----------------------------------------------------------


@pytest.mark.parametrize("code", ["AZ", "OH", "NC", "WI"])
def test_standing_documents_reach_back_while_emails_keep_a_two_year_window(code: str) -> None:
    since = D(2020, 3, 1)  # three months before a 2020 signing on ICE's list
    window = dated_window_start(since, D(2026, 11, 27))
    assert window == D(2024, 11, 1)
    text, _ = text_of(code, since=since, dated_since=window)
    assert "in effect at any time from March 1, 2020 through November 27, 2026" in text
    assert "created, sent or received from November 1, 2024 through November 27, 2026" in text
    assert "from March 1, 2020 through November 27, 2026, whatever" in text
    assert "received from March 1, 2020" not in text


def test_a_recent_signing_keeps_its_own_start_for_every_item() -> None:
    assert dated_window_start(D(2024, 12, 1), D(2026, 11, 27)) == D(2024, 12, 1)


@pytest.mark.parametrize("code", ["CA", "NJ", "IL", "WA", "DE", "NM"])
def test_the_catch_all_where_287g_is_barred_asks_whatever_the_date(code: str) -> None:
    if LAWS[code].immigration.stance != "prohibits":
        pytest.skip(f"{code} does not bar 287(g) in the law data")
    text, _ = text_of(code, topic_keys=("wso",))
    assert "whatever its date" in text
    assert re.search(r"Item 1 asks for records whatever their date", text), text[:2000]


def test_federal_program_files_are_asked_for_whatever_their_date() -> None:
    text, _ = text_of("US", agency="Brown County Sheriff's Office", topic_keys=("wso",), since=D(2025, 1, 1))
    assert "Items 1, 2 and 3 ask for records whatever their date" in text
    assert "Program Management Office's file for the Brown County Sheriff's Office" in text


# --- 3. Appeal grounds: whole words and citations, shown to the user ------------------------------


@pytest.mark.parametrize("code", ["AZ", "NC", "OH"])
def test_justice_records_is_not_read_as_ice_records(code: str) -> None:
    keys = [g.key for g in grounds_for("criminal justice records", False, code)]
    assert "federal-records" not in keys


@pytest.mark.parametrize(
    ("code", "cited"),
    [
        ("MI", "MCL 15.243(1)(u) (security measures)"),
        ("LA", "La. R.S. 44:3(A)(3) (security procedures)"),
        ("MN", "Minn. Stat. 13.37 (security information)"),
        ("AZ", "security of the jail"),
        ("NE", "jail security"),
    ],
)
def test_security_grounds_in_statutory_words_are_answered(code: str, cited: str) -> None:
    assert "security" in [g.key for g in grounds_for(cited, False, code)]
    assert unanswered(cited, False, code) == []


def test_a_state_answer_takes_the_place_of_the_general_one_only_in_its_state() -> None:
    assert [g.key for g in grounds_for("610.021(18) operational guidelines and security", False, "MO")] == [
        "mo-security"
    ]
    assert "mo-security" not in [g.key for g in grounds_for("610.021(18) security", False, "KS")]


@pytest.mark.parametrize("code", ["PA", "OH", "AZ"])
def test_command_line_tokens_never_reach_a_letter(code: str) -> None:
    text, notes = later(code, "appeal", denied_on=D(2026, 9, 20), exemptions="law-enforcement,personnel")
    assert "law-enforcement,personnel" not in text
    assert (
        "citing the law-enforcement or criminal-investigation exemption and the personnel or privacy exemption" in text
    )
    assert any(n.startswith("The appeal answers these grounds:") for n in notes)


def test_grounds_without_an_answer_are_named_to_the_user() -> None:
    _, notes = later("NC", "appeal", denied_on=D(2026, 9, 20), exemptions="N.C.G.S. 132-1.7; trade secrets")
    missing = next(n for n in notes if n.startswith("No answer in the library"))
    assert "'trade secrets'" in missing


def test_words_as_written_are_kept() -> None:
    assert exemptions_in_words("MCL 15.243(1)(u); 8 C.F.R. 236.6", False) == "MCL 15.243(1)(u) and 8 C.F.R. 236.6"


@pytest.mark.parametrize("code", [c for c in sorted(LAWS) if LAWS[c].appeal.grounds_required])
def test_an_appeal_that_must_address_each_ground_warns_without_them(code: str) -> None:
    text, notes = later(code, "appeal", denied_on=D(2026, 9, 20))
    assert any(n.startswith("WARNING: this appeal answers none") for n in notes)
    assert "addresses each ground" not in text


def test_pa_and_mi_appeals_must_address_the_grounds() -> None:
    assert LAWS["PA"].appeal.grounds_required and LAWS["MI"].appeal.grounds_required


# --- 4. Court-only states: a request for reconsideration -------------------------------------------

COURT_ONLY = [c for c in sorted(LAWS) if LAWS[c].appeal.route == "court" and c != "US"]


def test_court_only_states_are_many() -> None:
    assert len(COURT_ONLY) >= 10, COURT_ONLY


@pytest.mark.parametrize("code", COURT_ONLY)
def test_a_court_only_state_gets_a_request_for_reconsideration(code: str) -> None:
    text, notes = later(code, "appeal", denied_on=D(2026, 9, 20))
    assert "Re: Request for reconsideration under the" in text
    assert "Re: Appeal under" not in text
    assert any("it does not start a case" in n for n in notes)


@pytest.mark.parametrize("code", [c for c in COURT_ONLY if LAWS[c].limitation is not None][:6])
def test_a_court_only_state_tells_the_limitation_date(code: str) -> None:
    from records_req.calendars import calendar_for
    from records_req.deadlines import appeal_window, court_route

    j = LAWS[code]
    window = appeal_window(j, calendar_for(j), D(2026, 9, 20), "denied", court_route(j))
    assert window.last_day is not None and window.last_day > D(2026, 9, 20)
    assert j.limitation is not None and j.limitation.citation in window.describe()


# --- 5. A follow-up after an extension names the notice and the cap ---------------------------------

EXTENDABLE = [
    c for c in ("MI", "AZ", "OH", "NE", "NC", "WA", "GA", "PA", "TX") if (ext := LAWS[c].extension) and ext.days
]


@pytest.mark.parametrize("code", EXTENDABLE[:4])
def test_a_follow_up_after_an_extension_names_the_notice_and_the_cap(code: str) -> None:
    text, _ = text_of(
        code,
        kind="follow-up",
        request_date=D(2026, 10, 1),
        extended_to=D(2026, 10, 20),
        letter_date=D(2026, 11, 27),
    )
    assert "Your notice of October 1, 2026 extended the time to" in text
    assert "to October 20, 2026" in text
    assert "at the latest" in text
    assert "within 5 business days, that is by October 20" not in text


# --- 6. Items de-duplicated by what they ask for -----------------------------------------------------


@pytest.mark.parametrize("code", ["AZ", "NC", "MI"])
def test_the_igsa_is_asked_for_once_across_topics(code: str) -> None:
    req, _ = build_letter_request(LAWS[code], spec(code, topic_keys=("wso", "detainers")))
    igsa = [i for i in record_items(req) if "intergovernmental service agreement" in i.text]
    assert len(igsa) == 1


def test_ice_program_replaces_the_federal_wso_items_instead_of_adding_to_them() -> None:
    req, _ = build_letter_request(LAWS["US"], spec("US", topic_keys=("wso", "ice-program")))
    items = [i.text for i in record_items(req)]
    assert sum("Program Management Office's file" in t for t in items) == 1
    assert sum(t.startswith("Aggregate counts") for t in items) == 1
    assert any("each executed Memorandum of Agreement" in t for t in items)  # ice-program's wording


# --- 7. Grammar and citations --------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(LAWS))
def test_citations_read_as_sentences_in_every_jurisdiction(code: str) -> None:
    for kind, extra in (("initial", {}), ("follow-up", {}), ("appeal", {"denied_on": D(2026, 9, 20)})):
        text, _ = text_of(code, **extra) if kind == "initial" else later(code, kind, **extra)
        assert not re.search(r"\bas [^.()]*; [^.()]* provides\b", text), (code, kind)
        assert not re.search(r"§§ [^.()]* (allows|provides|requires)\b", text), (code, kind)
        assert not re.search(r"\bItem \d+ are\b", text), (code, kind)


@pytest.mark.parametrize("code", [c for c in sorted(LAWS) if "working day" in LAWS[c].response.standard.lower()])
def test_the_statutes_own_unit_word(code: str) -> None:
    j = LAWS[code]
    if not j.response.days or j.response.applies_to != "all":
        pytest.skip("no day count stated to every agency")
    text, _ = text_of(code)
    assert f"within {j.response.days} working days" in text


def test_a_single_standing_item_reads_in_the_singular() -> None:
    text, _ = text_of("OH", topic_keys=(), items=("Budget records.",))
    assert "Item 3 is a standing document" in text  # the retention-schedule item


# --- 8. Placeholders are refused --------------------------------------------------------------------


@pytest.mark.parametrize("value", ["...", "…", "TBD", "  -  ", "<agency>", "N/A"])
def test_placeholders_are_refused_as_agency_names(value: str) -> None:
    with pytest.raises(UsageError, match="placeholder"):
        build_letter_request(LAWS["AZ"], spec("AZ", agency=value))


@pytest.mark.parametrize("field", ["agency_address", "requester_address", "requester_name"])
def test_placeholders_are_refused_in_addresses_and_names(field: str) -> None:
    with pytest.raises(UsageError, match="placeholder"):
        build_letter_request(LAWS["NC"], spec("NC", **{field: "1 Main St\n..."}))


def test_real_names_with_punctuation_pass() -> None:
    req, _ = build_letter_request(LAWS["GA"], spec("GA", agency="Clayton Co. Sheriff's Office (Jail Division)"))
    assert req.agency.name == "Clayton Co. Sheriff's Office (Jail Division)"


def test_a_profile_refuses_a_placeholder_address(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from records_req.cli import cli

    url = f"sqlite:///{tmp_path / 'r.db'}"
    result = CliRunner().invoke(cli, ["--db", url, "profile", "set", "--name", "Ana", "--address", "..."])
    assert result.exit_code != 0
    assert "placeholder" in result.output + (result.stderr or "")


@pytest.mark.parametrize(
    ("code", "agency"),
    [
        ("SC", "Charleston County Sheriff's Office"),
        ("AZ", "Pinal County Sheriff's Office"),
        ("NC", "Wake County Sheriff's Office"),
    ],
)
def test_the_tracker_says_reconsideration_and_the_time_to_sue(tmp_path: Path, code: str, agency: str) -> None:
    if LAWS[code].appeal.route != "court":
        pytest.skip(f"{code}'s route is not a court in the law data")
    run = cli_at(tmp_path)

    run(
        "new",
        "--state",
        code,
        "--agency",
        agency,
        "--topic",
        "wso",
        "--requester-name",
        "Ana Núñez",
        "--requester-email",
        "ana@example.org",
        "--requester-state",
        code,
    )
    run("sent", "1", "--via", "email", "--on", "2026-11-02")
    run("log", "1", "denied", "--on", "2026-11-20", "--exemptions", "security")
    run("appeal", "1", today="2026-11-25")
    shown = run("show", "1", today="2026-11-26")
    assert "You asked the agency to reconsider" in shown and "You appealed" not in shown
    assert "Appealed to:" not in shown
    assert "nothing has been filed in any court" in shown
    if LAWS[code].limitation is not None:
        assert "must be filed by" in shown


def test_a_later_letter_signs_with_the_requester_of_its_own_request(tmp_path: Path) -> None:
    """The first request saves a default profile; a second request by someone else must not be
    followed up in the first requester's name and address (a non-resident in a residents-only state)."""
    run = cli_at(tmp_path)

    run(
        "new",
        "--state",
        "AZ",
        "--agency",
        "Yuma County Sheriff's Office",
        "--topic",
        "wso",
        "--requester-name",
        "Ana Núñez",
        "--requester-email",
        "ana@example.org",
        "--requester-address",
        "350 W 1st St\\nYuma, AZ 85364",
        "--requester-state",
        "AZ",
    )
    run(
        "new",
        "--state",
        "NC",
        "--agency",
        "Wake County Sheriff's Office",
        "--topic",
        "wso",
        "--requester-name",
        "Lee Park",
        "--requester-email",
        "lee@example.org",
        "--requester-address",
        "1 Fayetteville St\\nRaleigh, NC 27601",
        "--requester-state",
        "NC",
    )
    run("sent", "2", "--via", "email", "--on", "2026-10-28")
    run("followup", "2", "--format", "pdf", today="2026-12-07")
    from tests.letter_helpers import pdf_text

    letter = next(tmp_path.glob("NC/*/*follow-up.pdf"))
    text = pdf_text(letter)
    assert "Lee Park" in text and "Raleigh, NC 27601" in text
    assert "Yuma" not in text and "Ana Núñez" not in text


def test_idaho_requires_the_requesters_phone_and_mailing_address() -> None:
    with pytest.raises(UsageError, match=r"requester's address and phone \(Idaho Code § 74-102\(4\)\)") as refused:
        build_letter_request(LAWS["ID"], spec("ID", requester_address=None, requester_phone=None))
    from records_req.cli.wording import message  # the command line names the options that give them

    assert message(refused.value).endswith("(Idaho Code § 74-102(4)): add --requester-address, --requester-phone.")
    req, _ = build_letter_request(
        LAWS["ID"], spec("ID", requester_address="1 Main St\nBoise, ID 83702", requester_phone="208-555-0100")
    )
    assert "208-555-0100" in compose(req).plain_text()


def test_idaho_silence_is_a_denial_only_after_ten_working_days() -> None:
    from records_req.calendars import calendar_for
    from records_req.deadlines import deemed_denial_date

    j = LAWS["ID"]
    # received Wed 2026-10-28: 10 working days (Veterans Day 11/11 is an Idaho holiday) -> Thu 11/12
    assert deemed_denial_date(j, calendar_for(j), D(2026, 10, 28), on=D(2026, 12, 1)) == D(2026, 11, 12)


@pytest.mark.parametrize("code", ["NY", "PA", "NJ"])
def test_a_late_appeal_warns_once(code: str) -> None:
    _, notes = text_of(
        code,
        kind="appeal",
        request_date=D(2026, 9, 1),
        denied_on=D(2026, 9, 10),
        letter_date=D(2026, 12, 1),
        force=True,
    )
    closed = [n for n in notes if "period has closed" in n]
    assert closed, notes
    bodies = [n.split("The letter is dated")[0].strip() for n in closed]
    assert len(bodies) == len(set(bodies)), notes  # each closed route said once (NJ has two routes)


# --- The appeal body's own deadline to decide, where the law sets one -------------------------------


@pytest.mark.parametrize("code", ["NE", "KY", "PA"])
def test_an_appeal_decision_deadline_is_statutory_and_goes_overdue(code: str) -> None:
    from records_req.calendars import calendar_for
    from records_req.lifecycle import Recorded, track

    base = LAWS[code]
    j = base._replace(appeal=base.appeal._replace(decision_days=15, decision_unit="calendar", decision_citation="§ X"))
    events = [
        Recorded(1, "sent", D(2026, 10, 28), None, {"via": "email"}),
        Recorded(2, "denied", D(2026, 11, 9), None, {}),
        Recorded(3, "appealed", D(2026, 11, 16), None, {"body": j.appeal.name}),
    ]
    waiting = track(events, j, calendar_for(j), D(2026, 11, 20), 1)
    assert waiting.due_on == D(2026, 12, 1) and waiting.statutory and not waiting.overdue
    assert "due by Tue 2026-12-01 (§ X)" in waiting.next_step
    late = track(events, j, calendar_for(j), D(2026, 12, 3), 1)
    assert late.overdue and "the decision is overdue" in late.next_step


def test_every_door_gives_an_old_agreement_a_two_year_window_for_emails(tmp_path: Path) -> None:
    """An agency ICE lists with a 2020 agreement: standing documents reach back to 2020, emails and
    counts two years, whether the request is made by `new`, by a campaign or by the Python API."""
    from records_req import api

    header = "STATE,LAW ENFORCEMENT AGENCY,TYPE,COUNTY,SUPPORT TYPE,SIGNED,MOA,ADDENDUM"
    rows = [
        "OHIO,Butler County Sheriff's Office,County,Butler County,Jail Enforcement Model,06/08/2020,,",
        "OHIO,Warren County Sheriff's Office,County,Warren County,Jail Enforcement Model,06/08/2020,,",
        "OHIO,Clermont County Sheriff's Office,County,Clermont County,Jail Enforcement Model,06/08/2020,,",
    ]
    sheet = tmp_path / "participatingAgencies11302026am.csv"
    sheet.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    run = cli_at(tmp_path)
    run("agencies", "import", str(sheet))
    who = ["--requester-name", "Ana Núñez", "--requester-email", "a@example.org", "--requester-state", "OH"]
    run(
        "new",
        "--state",
        "OH",
        "--agency",
        "Butler County Sheriff's Office",
        "--topic",
        "jail-model",
        "--format",
        "pdf",
        *who,
    )
    run(
        "campaign",
        "--state",
        "OH",
        "--county",
        "Warren",
        "--topic",
        "jail-model",
        "--tag",
        "t",
        "--format",
        "pdf",
        *who,
    )
    with api.open(f"sqlite:///{tmp_path / 'r.db'}", out_dir=tmp_path) as tracker:
        tracker.new_request(
            "OH", "Clermont County Sheriff's Office", topics=["jail-model"], requester_name="Ana Núñez",
            requester_email="a@example.org", requester_state="OH", letter_date=D(2026, 10, 27), formats="pdf",
        )  # fmt: skip
    from tests.letter_helpers import pdf_text

    for county in ("butler", "warren", "clermont"):
        [letter] = tmp_path.glob(f"OH/{county}-county-sheriffs-office/*.pdf")
        text = " ".join(pdf_text(letter).split())
        assert "in effect at any time from March 1, 2020" in text, county
        assert "received from October 1, 2024 through October 27, 2026" in text, county
