"""The currency codes a ledger row may name: ISO 4217's, in one place.

Source: ISO 4217 List One (current currency and funds codes) as the maintenance agency,
SIX, publishes it (the edition of 2024-06-25), with the amendments since: 176 (XCG from
2025-03-31, replacing ANG), 179 (XAD, 2025-05-12) and 180 (BGN withdrawn 2026-01-01, for
EUR). Checked 2026-12-07. The withdrawn codes are those a group may still hold money or
papers in (List Three, the historic codes, has many more: only these recent ones are
taken). When ISO adds a code, add it to ACTIVE with the amendment in this comment.

A record made before paperkit checked codes may hold rows in a code on neither list (a
typo such as ``UDS``): ``rows.currency`` takes such a code when the record already uses it,
so that the ledger still exports and imports back, and entries can be added to that
balance.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection

#: List One: every current currency, fund and special code (2024-06-25, amendments 176-179).
ACTIVE = frozenset("""
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN
    BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD
    EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR
    IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD
    MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD
    OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE
    SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI
    UYU UYW UZS VED VES VND VUV WST XAD XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD
    XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG
""".split())

#: Withdrawn recently enough that people may still hold them, with the year each went.
WITHDRAWN = {"BGN": 2026, "ANG": 2025, "ZWL": 2024, "HRK": 2023, "SLL": 2022, "CUC": 2021,
             "VEF": 2018, "MRO": 2018, "STD": 2018, "BYR": 2016, "LTL": 2015, "LVL": 2014,
             "EEK": 2011}

#: Codes that are not money a group holds: fund codes (IsFund in List One), units of account,
#: metals, and the testing and no-currency codes. Valid, but never suggested for a typo.
NOT_MONEY = frozenset("""
    BOV CHE CHW CLF COU MXV USN UYI UYW XAD XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS
    XUA XXX
""".split())

KNOWN = ACTIVE | WITHDRAWN.keys()


def is_iso(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 code, current or recently withdrawn."""
    return code in KNOWN


def suggestions(code: str, held: Collection[str] = (), limit: int = 3) -> list[str]:
    """Valid codes close to the mistyped ``code``, best first: the same letters in
    another order (``UDS`` → USD), else one letter different (``EUE`` → EUR), else what
    difflib finds alike. Codes the record already ``held`` count as valid."""
    pool = sorted((ACTIVE - NOT_MONEY) | set(held))
    alike = difflib.get_close_matches(code, pool, n=len(pool), cutoff=0.6)
    swapped = sorted(c for c in alike if sorted(c) == sorted(code))
    one_off = sorted(c for c in alike
                     if len(c) == len(code)
                     and sum(a != b for a, b in zip(c, code, strict=True)) == 1)
    return (swapped or one_off or alike)[:limit]
