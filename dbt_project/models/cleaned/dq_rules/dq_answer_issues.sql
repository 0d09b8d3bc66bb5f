-- Answers that do not fit their question (dq_answer_findings, parsed incrementally), for
-- each submission's current payload only, instance uuids sent twice, and submissions
-- collected on an outdated form version, with the rule's severity from ref_dq_rules.
-- Cheap on purpose: only the interview start of a submission received on an old version
-- after a newer one was deployed is read from its payload.
{%- set grace = "(select coalesce(min_value, 0) from " ~ ref('ref_dq_rules')
                ~ " where rule = 'outdated_form_version' and form = '*')" %}
with current_payloads as (
    {%- for dataset in var('kobo_datasets') %}
    select '{{ dataset }}' as dataset, _id as submission_id, _uuid, landed_at, form_version, submission_time,
           {{ kobo_enumerator_id(dataset) }} as enumerator_id
    from {{ source('kobo', 'kobo_' ~ dataset) }}
    where deleted_at is null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

versions as (
    select dataset, version_id, try_cast(date_deployed as timestamp) as deployed_at
    from {{ source('kobo', 'kobo_form_content') }}
),

on_old_versions as (
    -- received more than the grace days after a newer version of the form was deployed
    select payloads.dataset, payloads.submission_id, payloads.enumerator_id, payloads.form_version,
           arg_max(newer.version_id, newer.deployed_at) as newest_version, max(newer.deployed_at) as newest_deployed_at
    from current_payloads as payloads
    join versions as own on own.dataset = payloads.dataset and own.version_id = payloads.form_version
    join versions as newer on newer.dataset = payloads.dataset and newer.deployed_at > own.deployed_at
    where payloads.submission_time >= newer.deployed_at + to_days(cast({{ grace }} as integer))
    group by all
),

outdated as (
    -- and collected then, by the tablet's clock: an interview made before the deployment and
    -- sent later was on the version it should be
    select on_old_versions.*
    from on_old_versions
    join (
        {%- for dataset in var('kobo_datasets') %}
        select '{{ dataset }}' as dataset, _id as submission_id,
               coalesce({{ kobo_timestamp('start', 'payload') }}, submission_time) as collected_at
        from {{ source('kobo', 'kobo_' ~ dataset) }}
        where deleted_at is null and _id in (select submission_id from on_old_versions where dataset = '{{ dataset }}')
        {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    ) as collected using (dataset, submission_id)
    where collected.collected_at >= on_old_versions.newest_deployed_at + to_days(cast({{ grace }} as integer))
),

findings as (
    -- found in the payload a submission has now: an edit's earlier findings drop out
    select findings.dataset, findings.submission_id, findings.enumerator_id, findings.field, findings.rule,
           findings.value
    from {{ ref('dq_answer_findings') }} as findings
    join current_payloads
        on current_payloads.dataset = findings.dataset
        and current_payloads.submission_id = findings.submission_id
        and current_payloads.landed_at = findings.landed_at

    union all
    -- the same instance uuid twice: a re-import or a device resending; the first one counts
    select dataset, submission_id, enumerator_id, '_uuid' as field, 'duplicate_uuid' as rule,
           'same _uuid as submission ' || first_value(submission_id) over same_uuid as value
    from current_payloads
    window same_uuid as (partition by dataset, _uuid order by submission_id)
    qualify submission_id <> first_value(submission_id) over same_uuid

    union all
    select dataset, submission_id, enumerator_id, '__version__', 'outdated_form_version',
           form_version || ' while ' || newest_version || ' was deployed on ' || strftime(newest_deployed_at, '%Y-%m-%d')
    from outdated
)

select
    {{ kobo_quality_form('findings.dataset') }} as form,
    findings.submission_id,
    findings.enumerator_id,
    findings.rule,
    findings.field,
    findings.value,
    rules.severity,
    rules.description,
    current_timestamp as detected_at
from findings
join {{ ref('ref_dq_rules') }} as rules on rules.rule = findings.rule and rules.form = '*'
