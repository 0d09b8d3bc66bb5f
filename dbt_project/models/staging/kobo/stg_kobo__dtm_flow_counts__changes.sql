-- The change feed of the flow monitoring registry: one row per submission version landed
-- and per deletion, with the count date that version carried and the count date the
-- submission had before (previous_count_date, from the feed itself). It is what lets the
-- incremental flow models downstream recompute only the days a change touched, including
-- the day a submission was moved away from by an edit or removed from by a deletion.
-- Append-only and incremental on its own newest changed_at; merged on its key, so reading a
-- change twice adds nothing.
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key=['submission_id', 'change', 'changed_at'],
    on_schema_change='append_new_columns'
) }}

with
{% if is_incremental() %}
watermark as (
    select coalesce(max(changed_at), '-infinity'::timestamptz) as changed_at from {{ this }}
),

landed as (
    {%- for form in kobo_forms_of_kind('dtm_flow_counts') %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select raw._id, raw.landed_at, raw.deleted_at, {{ kobo_date('grp_point/count_date', 'raw.payload', form=form) }} as count_date
    from {{ kobo_submissions(form, live_only=false) }} as raw, watermark
    where raw.landed_at > watermark.changed_at or raw.deleted_at > watermark.changed_at
    {%- endfor %}
),
{% else %}
landed as (
    {%- for form in kobo_forms_of_kind('dtm_flow_counts') %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select _id, landed_at, deleted_at, {{ kobo_date('grp_point/count_date', form=form) }} as count_date
    from {{ kobo_submissions(form, live_only=false) }} as raw
    {%- endfor %}
),
{% endif %}

versions as (
    select _id as submission_id, 'landed' as change, landed_at as changed_at,
           count_date
    from landed
    {% if is_incremental() %}where landed_at > (select changed_at from watermark){% endif %}
    union all
    select _id, 'deleted', deleted_at, count_date
    from landed
    where deleted_at is not null
    {% if is_incremental() %}and deleted_at > (select changed_at from watermark){% endif %}
),

{% if is_incremental() %}
previous as (
    select submission_id, arg_max(count_date, changed_at) as previous_count_date
    from {{ this }}
    where submission_id in (select _id from landed)
    group by submission_id
)
{% else %}
previous as (
    select null::bigint as submission_id, null::date as previous_count_date where false
)
{% endif %}

select
    versions.submission_id,
    versions.change,
    versions.changed_at,
    versions.count_date,
    previous.previous_count_date
from versions
left join previous using (submission_id)
