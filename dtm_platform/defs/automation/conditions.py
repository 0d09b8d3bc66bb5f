"""The rules every asset follows, applied once to all of them (``definitions.py``): below raw,
declarative automation that follows changed data after the gates upstream passed (except on an
asset its own schedule builds: ``data_versions.ON_SCHEDULE_TAG``); on raw and the marts,
freshness windows."""

from __future__ import annotations

import warnings
from datetime import timedelta

import dagster as dg

from dtm_platform.data_versions import ON_SCHEDULE_TAG, PART_TAG, SOURCES
from dtm_platform.defs.automation.tags import MARTS_GROUP, RAW_GROUP
from dtm_platform.settings import Settings

# An asset it reads has new data: its data version changed since the previous tick (an
# ingestion that found nothing new materializes raw again with the same version, which is no
# news), or it will be built on this tick. As in eager()'s any_deps_updated, an update made by
# a run that also built this asset is not news either; nor is one made by a full build's
# sources run, whose second run (build_what_changed) builds what follows.
ANY_DEPS_DATA_CHANGED = dg.AutomationCondition.any_deps_match(
    (
        dg.AutomationCondition.data_version_changed()
        & ~dg.AutomationCondition.executed_with_root_target()
        & ~dg.AutomationCondition.executed_with_tags(tag_values={PART_TAG: SOURCES})
    ).with_label("data_version_changed_outside_a_full_build")
    | dg.AutomationCondition.will_be_requested()
).with_label("any_deps_data_changed")

# Below raw, an asset follows its upstream: rebuilt when the data of an asset it reads changed
# (or it went missing), once every blocking check on the assets it reads has passed, and never
# while it or one of those is in a run (eager() waits on both), so nothing builds twice at once.
# A failed gate therefore holds everything below it until the data is fixed.
FOLLOW_UPSTREAM = (
    dg.AutomationCondition.eager().replace("any_deps_updated", ANY_DEPS_DATA_CHANGED)
    & dg.AutomationCondition.all_deps_blocking_checks_passed()
).with_label("eager on changed data, after upstream gates passed")


def freshness_policies(settings: Settings) -> dict[str, dg.FreshnessPolicy]:
    """Warn and fail windows by group: raw is fed hourly, marts at least nightly."""
    windows = {
        RAW_GROUP: ("DTM_FRESHNESS_RAW", settings.freshness_raw_warn_hours, settings.freshness_raw_fail_hours),
        MARTS_GROUP: ("DTM_FRESHNESS_MARTS", settings.freshness_marts_warn_hours, settings.freshness_marts_fail_hours),
    }
    policies = {}
    for group, (prefix, warn, fail) in windows.items():
        if not 1 / 60 <= warn < fail:
            raise ValueError(
                f"{prefix}_WARN_HOURS ({warn}) must be at least one minute and below {prefix}_FAIL_HOURS ({fail})"
            )
        policies[group] = dg.FreshnessPolicy.time_window(
            fail_window=timedelta(hours=fail), warn_window=timedelta(hours=warn)
        )
    return policies


def with_automation(assets: dg.Definitions, settings: Settings) -> dg.Definitions:
    """``assets`` with automation conditions below raw and freshness policies on raw and marts.

    Applied to the specs from outside (the dbt and ingestion assets are defined elsewhere),
    so an asset added later, a serving target for instance, follows without further wiring.
    """
    policies = freshness_policies(settings)

    def automate(spec: dg.AssetSpec) -> dg.AssetSpec:
        attributes = {}
        if spec.group_name != RAW_GROUP and ON_SCHEDULE_TAG not in (spec.tags or {}):
            attributes["automation_condition"] = FOLLOW_UPSTREAM  # not on one its schedule builds
        if spec.group_name in policies:
            attributes["freshness_policy"] = policies[spec.group_name]
        return spec.replace_attributes(**attributes) if attributes else spec

    with warnings.catch_warnings():
        # Marked "preview" in 1.13; it applies the public dg.map_asset_specs to every asset.
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return assets.map_asset_specs(func=automate)
