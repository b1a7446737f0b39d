"""Recognizers for Bedrock's PII entity types: a pattern, then a validator where the type has one.

Structured numbers are checked, not only matched: card numbers by Luhn, IBANs by ISO 13616 mod 97,
SSNs, ITINs, routing numbers, Canadian SINs, NHS numbers and UK UTRs by python-stdnum's rules, IP
addresses by :mod:`ipaddress`, phone numbers by ``phonenumbers`` (Google's libphonenumber). Types
that are only recognisable by what surrounds them (a PIN, a password, a passport or driver's licence
number, a bank account number) need a cue word before the value ("PIN: 4821", "passport number
X1234567"): a bare 8-digit number is not called a passport number. ``NAME`` and ``ADDRESS`` are the
weakest (see docs/guardrails.md): the spans of a small trained token classifier (:mod:`guardrails.names`)
joined with those of cue rules (a name after "my name is", "Mr.", "Dr.", "signed,"; a street address with a
number, street name and street-type word).

:data:`RECOGNIZERS` maps each supported type to a function ``text -> [(start, end), ...]``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator

import phonenumbers
from stdnum import iban, luhn
from stdnum.ca import sin
from stdnum.gb import nhs, utr
from stdnum.us import itin, rtn, ssn

from guardrails import names

Span = tuple[int, int]
Recognizer = Callable[[str], list[Span]]

_B = r"(?<![\w@.-])"  # not inside a longer token
_E = r"(?![\w@-]|\.\w)"


def _pattern(regex: str, *, flags: int = 0, check: Callable[[str], bool] | None = None, group: int = 0) -> Recognizer:
    compiled = re.compile(regex, flags)

    def recognize(text: str) -> list[Span]:
        return [m.span(group) for m in compiled.finditer(text) if check is None or check(m.group(group))]

    return recognize


def _cued(cue: str, value: str, *, check: Callable[[str], bool] | None = None) -> Recognizer:
    """``value`` right after ``cue`` (and an optional ``:``, ``is``, ``#``, ``no.``); only the value is the match."""
    return _pattern(
        rf"(?:{cue})(?:\s*(?:number|no\.?|num|#|code|id))?(?:\s*(?::|is|=|-|was))?\s*[\"']?(?P<v>{value})(?![\w-])",
        flags=re.IGNORECASE, check=check, group=1,
    )  # fmt: skip


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _valid(module: object) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        return bool(module.is_valid(value))  # type: ignore[attr-defined]

    return check


def _card(value: str) -> bool:
    digits = _digits(value)
    return 13 <= len(digits) <= 19 and luhn.is_valid(digits) and len(set(digits)) > 1


def _ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


_PHONE_CUE = re.compile(
    r"\b(?:phone|tel|telephone|mobile|cell|fax|desk|office|call me (?:on|at)|reach me (?:on|at)|text me (?:on|at)|"
    r"messages to|whatsapp)\b[^\w+(]{0,3}(?P<v>\+?\(?\d[\d ().-]{5,18}\d(?:\s?(?:x|ext\.?)\s?\d{1,5})?)",
    re.IGNORECASE,
)


def _phones(text: str) -> list[Span]:
    """Numbers libphonenumber finds valid for the US or the UK, or possible with a country code; and a
    7-15-digit number after a cue word (``Phone:``, ``call me on``), as Faker-made numbers often are not valid."""
    spans: set[Span] = set()
    for region in ("US", "GB"):
        matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
        spans.update((m.start, m.end) for m in matcher)
    matcher = phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.POSSIBLE)
    spans.update((m.start, m.end) for m in matcher if m.raw_string.lstrip("(").startswith("+"))
    for m in _PHONE_CUE.finditer(text):
        if 7 <= len(_digits(m.group("v"))) <= 15:
            spans.add(m.span("v"))
    return sorted(spans)


def _ssn(value: str) -> bool:
    return bool(ssn.is_valid(_digits(value)))


_TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam|Mister)\.?"
_NAME_WORD = r"[A-Z][a-zà-öø-ÿ'\u2019-]+"
_NAME_CUE = re.compile(
    rf"(?:\b(?:my name is|name is|i am|i'm|this is|called|named|signed,?|regards,|sincerely,|contact|dear|"
    rf"ask for|name:)\s+|\b{_TITLES}\s+)(?P<v>{_NAME_WORD}(?:\s+(?:[A-Z]\.\s*)?{_NAME_WORD}){{0,2}})"
)  # fmt: skip
_NOT_NAMES = frozenset(
    {
        "I", "The", "A", "An", "This", "That", "It", "We", "You", "He", "She", "They", "Here", "There", "Not",
        "Sorry", "Happy", "Glad", "Going", "Looking", "Calling", "Writing", "Trying", "Interested", "Available",
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    }
)


def _names(text: str) -> list[Span]:
    spans = []
    for m in _NAME_CUE.finditer(text):
        first = m.group("v").split()[0]
        if first not in _NOT_NAMES:
            spans.append(m.span("v"))
    return spans


_STREET_TYPES = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Square|Sq|Terrace|Way|"
    r"Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Trl|Plaza|Alley|Crescent|Close|Row|Path|Pike|Loop|Strasse|Straße|"
    r"Route|Rue|Via|Calle|Camino|Gardens|Grove|Hill|Park|Ridge|View|Mews|Walk)"
)
_ADDRESS = re.compile(
    rf"\b\d{{1,6}}[A-Za-z]?(?:\s+[A-Z][\w'.-]*){{1,4}}?\s+{_STREET_TYPES}\b\.?"
    r"(?:,?\s+(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|#)\s*[\w-]+)?"
    r"(?:,\s*[A-Z][a-zA-Z'-]+(?:\s+[A-Z][a-zA-Z'-]+){0,2}\b)?"
    r"(?:,?\s+[A-Z]{2}\b)?(?:,?\s+\d{5}(?:-\d{4})?\b)?"
)


def _addresses(text: str) -> list[Span]:
    return [m.span() for m in _ADDRESS.finditer(text)]


def _union(first: list[Span], second: list[Span]) -> list[Span]:
    """Both lists' spans, overlapping ones merged."""
    merged: list[Span] = []
    for start, end in sorted(first + second):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _has_mixed(value: str) -> bool:
    return bool(re.search(r"\d", value)) and bool(re.search(r"[A-Za-z]", value))


def _age_spans(text: str) -> Iterator[Span]:
    for m in re.finditer(
        r"\b(?:(?:aged?|turn(?:ed|ing|s)?)\s+(?:is\s+|of\s+)?(?P<a>\d{1,3})\b(?![.,]\d)"
        r"|(?P<b>\d{1,3})(?=[- ](?:years?|yrs?)[- ]old\b)"
        r"|(?P<c>\d{1,3})(?=\s*(?:y/?o)\b))",
        text,
        re.IGNORECASE,
    ):
        for group in ("a", "b", "c"):
            if m.group(group) is not None:
                yield m.span(group)


RECOGNIZERS: dict[str, Recognizer] = {
    "EMAIL": _pattern(rf"{_B}[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{{2,}}{_E}"),
    "PHONE": _phones,
    "CREDIT_DEBIT_CARD_NUMBER": _pattern(rf"{_B}\d(?:[ -]?\d){{12,18}}{_E}", check=_card),
    "CREDIT_DEBIT_CARD_CVV": _cued(r"\b(?:cvv2?|cvc2?|cid|card security code|security code)", r"\d{3,4}"),
    "CREDIT_DEBIT_CARD_EXPIRY": _cued(
        r"\b(?:exp(?:iry|iration)?(?:\s+date)?|expires(?:\s+on)?|valid\s+(?:thru|through|until))",
        r"(?:0?[1-9]|1[0-2])\s*[/-]\s*(?:\d{4}|\d{2})",
    ),
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER": _pattern(
        rf"{_B}[A-Z]{{2}}\d{{2}}(?:[ ]?[A-Z0-9]){{11,30}}{_E}", check=_valid(iban)
    ),
    "US_SOCIAL_SECURITY_NUMBER": _pattern(rf"{_B}\d{{3}}([- ]?)\d{{2}}\1\d{{4}}{_E}", check=_ssn),
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER": _pattern(
        rf"{_B}9\d{{2}}([- ]?)[5-9]\d\1\d{{4}}{_E}", check=_valid(itin)
    ),
    "US_BANK_ROUTING_NUMBER": _cued(r"\b(?:routing|aba|rtn)", r"\d{9}", check=_valid(rtn)),
    "US_BANK_ACCOUNT_NUMBER": _cued(r"\b(?:bank account|checking account|savings account|account)", r"\d{6,17}"),
    "US_PASSPORT_NUMBER": _cued(r"\bpassport", r"[A-Z]?\d{8,9}"),
    "DRIVER_ID": _cued(
        r"\b(?:driver'?s?\s+licen[cs]e|driving\s+licen[cs]e|DL|licen[cs]e)", r"[A-Z0-9][A-Z0-9-]{4,16}",
        check=lambda v: bool(re.search(r"\d", v)),
    ),
    "LICENSE_PLATE": _cued(
        r"\b(?:license plate|licence plate|number plate|plate|registration)", r"[A-Z0-9][A-Z0-9 -]{1,8}[A-Z0-9]",
        check=_has_mixed,
    ),
    "VEHICLE_IDENTIFICATION_NUMBER": _pattern(rf"{_B}[A-HJ-NPR-Z0-9]{{17}}{_E}", check=_has_mixed),
    "CA_SOCIAL_INSURANCE_NUMBER": _pattern(rf"{_B}\d{{3}}([- ]?)\d{{3}}\1\d{{3}}{_E}", check=_valid(sin)),
    "CA_HEALTH_NUMBER": _cued(
        r"\b(?:health card|health number|OHIP|health insurance number)", r"\d{4}[- ]?\d{3}[- ]?\d{3}(?:[- ]?[A-Z]{2})?"
    ),
    "UK_NATIONAL_HEALTH_SERVICE_NUMBER": _pattern(rf"{_B}\d{{3}}([- ]?)\d{{3}}\1\d{{4}}{_E}", check=_valid(nhs)),
    "UK_NATIONAL_INSURANCE_NUMBER": _pattern(
        rf"{_B}(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{{2}} ?\d{{2}} ?\d{{2}} ?[A-D]{_E}"
    ),
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER": _cued(
        r"\b(?:UTR|unique taxpayer reference|tax reference)", r"\d{5} ?\d{5}",
        check=lambda v: bool(utr.is_valid(v.replace(" ", ""))),
    ),
    "IP_ADDRESS": _pattern(
        rf"{_B}(?:\d{{1,3}}(?:\.\d{{1,3}}){{3}}|(?:[0-9A-Fa-f]{{0,4}}:){{2,7}}[0-9A-Fa-f]{{0,4}}){_E}", check=_ip
    ),
    "MAC_ADDRESS": _pattern(rf"{_B}[0-9A-Fa-f]{{2}}(?:([:-])[0-9A-Fa-f]{{2}})(?:\1[0-9A-Fa-f]{{2}}){{4}}{_E}"),
    "URL": _pattern(
        r"\b(?:https?://|ftp://|www\.)[^\s<>\"'()]+[^\s<>\"'().,;:!?]"
        r"|(?<![\w@.-])(?:[a-z0-9-]+\.)+(?:com|org|net|edu|gov|io|info|biz|co|uk|de|fr|us|ca|au|app|dev|ai)"
        r"(?:/[^\s<>\"']*[^\s<>\"'.,;:!?])?(?![\w@-])",
        flags=re.IGNORECASE,
    ),
    "AWS_ACCESS_KEY": _pattern(r"\b(?:AKIA|ASIA|AIDA|AROA|ANPA|AGPA)[A-Z0-9]{16}\b"),
    "AWS_SECRET_KEY": _pattern(
        r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+=]*[0-9])(?=[A-Za-z0-9/+=]*[a-z])(?=[A-Za-z0-9/+=]*[A-Z])"
        r"[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"
    ),
    "PASSWORD": _cued(r"\b(?:password|passwd|pwd|passcode|pass phrase|passphrase)", r"[^\s\"']{4,64}"),
    "USERNAME": _cued(r"\b(?:username|user name|user id|userid|login|handle)", r"@?[A-Za-z0-9._-]{3,32}"),
    "PIN": _cued(r"\bPIN", r"\d{4,8}"),
    "SWIFT_CODE": _cued(r"\b(?:SWIFT|BIC|SWIFT/BIC)", r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?"),
    "AGE": lambda text: list(_age_spans(text)),
    "NAME": lambda text: _union(_names(text), names.spans(text, "NAME")),
    "ADDRESS": lambda text: _union(_addresses(text), names.spans(text, "ADDRESS")),
}
