-- The events of the forms' Kobo audit logs (raw.kobo_<dataset>__audit_events, read from
-- their audit.csv attachments by dtm_platform/kobo/audit.py), each submission's current
-- log only (an edit that sent a new one replaces it). A question event carries the
-- question's path (the node without the form's root element) and its time on screen.
-- The events table is written by the form's own ingestion asset (raw/kobo_<dataset>, after
-- its attachments), so it is not a source of its own (Dagster keeps one asset per key):
-- the join with stg_kobo__attachments orders this model after that asset.
{% for dataset in var('kobo_datasets') %}
{% if not loop.first %}union all{% endif %}
select
    '{{ dataset }}' as dataset,
    events.submission_id,
    events.attachment_id,
    events.position,
    events.event,
    nullif(regexp_replace(events.node, '^/[^/]+/', ''), '') as question_path,
    make_timestamp(events.started_ms * 1000) as started_at,
    make_timestamp(events.ended_ms * 1000) as ended_at,
    (events.ended_ms - events.started_ms) / 1000.0 as seconds
from {{ api.Relation.create(database=target.database, schema='raw', identifier='kobo_' ~ dataset ~ '__audit_events') }} as events
join {{ ref('stg_kobo__attachments') }} as attachments
    on attachments.dataset = '{{ dataset }}' and attachments.submission_id = events.submission_id
    and attachments.attachment_id = events.attachment_id and not attachments.is_deleted
{% endfor %}
