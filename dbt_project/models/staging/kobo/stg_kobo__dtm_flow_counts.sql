-- One row per group of travellers counted at a flow monitoring point: Kobo's answers typed
-- and renamed. The registry grows by millions of submissions, so this model is incremental:
-- each run reads only the raw rows landed (new or edited: an edit replaces the payload and
-- sets landed_at) or deleted since the newest landed_at already staged, and merges them on
-- submission_id: an edited submission replaces its row, a deleted one (a tombstone row with
-- no submission_uuid) removes it. Re-reading a row twice is harmless, missing one is not:
-- the watermark is the table's own newest landed_at, so a crash between runs loses nothing.
-- Version 2 renamed grp_travel/transport_mode to grp_travel/means_of_transport; both read
-- into transport_mode. The validation status is not carried: it changes in raw without a
-- new landing, so an incremental copy of it would go stale (read it in raw).
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='submission_id',
    on_schema_change='append_new_columns',
    merge_clauses={
        'when_matched': [
            {'condition': 'DBT_INTERNAL_SOURCE.submission_uuid is null', 'action': 'delete'},
            {'action': 'update', 'mode': 'by_name'}
        ],
        'when_not_matched': [
            {'condition': 'DBT_INTERNAL_SOURCE.submission_uuid is not null', 'action': 'insert', 'mode': 'by_name'}
        ]
    }
) }}

{% if is_incremental() %}
with watermark as (
    select coalesce(max(landed_at), '-infinity'::timestamptz) as landed_at from {{ this }}
),
{% else %}
with
{% endif %}

typed as (
    {%- for form in kobo_forms_of_kind('dtm_flow_counts') %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        {{ kobo_submission_columns(with_validation_status=false, form=form) }},
        landed_at,
        {{ kobo_text('grp_point/fmp_id', form=form) }} as fmp_id,
        {{ kobo_date('grp_point/count_date', form=form) }} as count_date,
        {{ kobo_text('grp_point/direction', form=form) }} as direction,
        {{ kobo_text('grp_point/enumerator_id', form=form) }} as enumerator_id,
        coalesce({{ kobo_int('grp_counts/total_individuals', form=form) }}, 0) as total_individuals,
        {%- for cell in sex_age_cells() %}
        coalesce({{ kobo_int('grp_counts/ind_' ~ cell, form=form) }}, 0) as ind_{{ cell }},
        {%- endfor %}
        coalesce({{ kobo_text('grp_travel/means_of_transport', form=form) }}, {{ kobo_text('grp_travel/transport_mode', form=form) }})
            as transport_mode,
        {{ kobo_text('grp_travel/nationality', form=form) }} as nationality,
        {{ kobo_text('grp_travel/travel_reason', form=form) }} as travel_reason,
        deleted_at
    {%- if is_incremental() %}
    from (
        select raw.* from {{ kobo_submissions(form, live_only=false) }} as raw, watermark
        where raw.landed_at > watermark.landed_at or raw.deleted_at > watermark.landed_at
    ) as changed
    {%- else %}
    from {{ kobo_submissions(form) }} as changed
    {%- endif %}
    {%- endfor %}
)

select
    submission_id,
    -- a deleted submission travels as a tombstone: no uuid, and the merge deletes its row
    case when deleted_at is null then submission_uuid end as submission_uuid,
    * exclude (submission_id, submission_uuid, deleted_at)
from typed
