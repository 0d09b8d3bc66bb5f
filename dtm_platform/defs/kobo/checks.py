"""The raw assets' own checks: a warning while a form has submissions in quarantine."""

import dagster as dg

from dtm_platform.defs.resources import Warehouse
from dtm_platform.kobo.quarantine import QUARANTINE_DDL
from dtm_platform.kobo.registry import FormEntry


def quarantine_check(form: FormEntry) -> dg.AssetChecksDefinition:
    """A warning while the form has submissions in quarantine: they are in no table below raw."""

    @dg.asset_check(
        asset=dg.AssetKey(["raw", form.raw_table]),
        name="nothing_quarantined",
        blocking=False,
        description=(
            f"{form.title}: no submission kept aside in raw.kobo_quarantine (a result that is not "
            "an object, an unusable _id, metadata of the wrong type, invalid Unicode, two "
            "payloads under one _id); each one there names its reason."
        ),
    )
    def _check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            con.execute("create schema if not exists raw")
            con.execute(QUARANTINE_DDL)
            rows = con.execute(
                "select submission_id, reason from raw.kobo_quarantine where dataset = ? "
                "order by quarantined_at, submission_id",
                [form.dataset],
            ).fetchall()
        return dg.AssetCheckResult(
            passed=not rows,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "quarantined": len(rows),
                "reasons": dg.MetadataValue.json([f"submission {i}: {r}" for i, r in rows[:20]]),
            },
        )

    return _check
