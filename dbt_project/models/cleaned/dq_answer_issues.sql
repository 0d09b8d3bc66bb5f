-- Answers that do not fit their question (dq_answer_findings, parsed incrementally), for
-- each submission's current payload only, and instance uuids sent twice, with the rule's
-- severity from ref_dq_rules. Cheap on purpose: no payload is parsed here.
with current_payloads as (
    {%- for dataset in var('kobo_datasets') %}
    select '{{ dataset }}' as dataset, _id as submission_id, _uuid, landed_at,
           {{ kobo_enumerator_id(dataset) }} as enumerator_id
    from {{ source('kobo', 'kobo_' ~ dataset) }}
    where deleted_at is null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
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
