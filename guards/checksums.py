"""Check digits of the structured identifiers the PII guard recognises.

Each function takes the value as written (separators allowed where the format has them)
and says whether it is a well-formed, checksum-valid identifier. A value that fails its
checksum is not redacted as that type: an order total or an item id that happens to look
like a card number must not be masked, and a typo'd IBAN is not a bank account.
"""
from __future__ import annotations

import re
from datetime import date

# IBAN lengths by country (ISO 13616 registry, SWIFT release 2024).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

_NON_DIGIT = re.compile(r"\D")
_SEPARATORS = re.compile(r"[\s\-.]")


def digits_of(value: str) -> str:
    return _NON_DIGIT.sub("", value)


def luhn_ok(digits: str) -> bool:
    """Luhn (mod 10) check of a string of digits (payment cards)."""
    if not digits or not digits.isdigit():
        return False
    total, alt = 0, False
    for ch in reversed(digits):
        d = ord(ch) - 48
        if alt:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
        alt = not alt
    return total % 10 == 0


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` pass the Luhn check (for test data)."""
    for d in "0123456789":
        if luhn_ok(partial + d):
            return d
    raise ValueError(partial)


def iban_compact(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def iban_ok(value: str) -> bool:
    """IBAN: known country, its exact length, alphanumeric BBAN, ISO 7064 mod 97 == 1."""
    iban = iban_compact(value)
    if len(iban) < 15 or not iban[:2].isalpha() or not iban[2:4].isdigit() or not iban.isalnum():
        return False
    if IBAN_LENGTHS.get(iban[:2]) != len(iban):
        return False
    return _mod97(iban[4:] + iban[:4]) == 1


def _mod97(s: str) -> int:
    remainder = 0
    for ch in s:
        if ch.isdigit():
            remainder = (remainder * 10 + ord(ch) - 48) % 97
        elif "A" <= ch <= "Z":
            remainder = (remainder * 100 + ord(ch) - 55) % 97
        else:
            return -1
    return remainder


def iban_with_check(country: str, bban: str) -> str:
    """Build a valid IBAN from a country code and BBAN (for test data)."""
    country = country.upper()
    check = 98 - _mod97(bban.upper() + country + "00")
    return f"{country}{check:02d}{bban.upper()}"


def ssn_ok(value: str) -> bool:
    """US SSN: 9 digits, area 001-899 except 666, group 01-99, serial 0001-9999, and not
    one of the advertising numbers that were never issued (078-05-1120, 219-09-9999)."""
    d = digits_of(value)
    if len(d) != 9:
        return False
    area, group, serial = int(d[:3]), int(d[3:5]), int(d[5:])
    if area == 0 or area == 666 or area >= 900 or group == 0 or serial == 0:
        return False
    return d not in {"078051120", "219099999", "123456789"}


_CN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_CHECK = "10X98765432"


def cn_id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits of a resident id."""
    return _CN_CHECK[sum(int(c) * w for c, w in zip(first17, _CN_WEIGHTS)) % 11]


def cn_id_ok(value: str, today: date | None = None) -> bool:
    """Chinese resident identity card number (GB 11643-1999): 6-digit region code whose
    first digit is a province group 1-8, a real birth date between 1900 and today, a 3-digit
    sequence and the MOD 11-2 check character (0-9 or X)."""
    v = value.strip().upper()
    if len(v) != 18 or not v[:17].isdigit() or not (v[17].isdigit() or v[17] == "X"):
        return False
    if v[0] not in "12345678":
        return False
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > (today or date.today()):
        return False
    return cn_id_check_char(v[:17]) == v[17]


def card_brand_plausible(digits: str) -> bool:
    """Issuer prefixes that real payment cards use (Visa, Mastercard, Amex, Discover, JCB,
    Diners, UnionPay, Maestro, old 15-digit JCB 1800/2131, UATP 1)."""
    if not digits:
        return False
    return digits[0] in "1234569" or digits.startswith(("50", "56", "57", "58", "67"))
