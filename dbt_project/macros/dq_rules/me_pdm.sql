{#- The post-distribution monitoring's data-quality rules (form me_pdm), on the data as the
    cleaning log corrected it: a select of (form, submission_id, rule, field, value) for
    dq_issues, field null where the issue is the rule's field in ref_dq_rules. -#}
{% macro dq_rules_me_pdm() -%}
select 'me_pdm' as form, submission_id, rule, null as field, value
from (
    with pdm as (
        select *, {{ dq_answers_fingerprint(dq_metadata_columns(), 'has_consented') }} as answers
        from {{ ref('cln_me_pdm_corrected') }}
    ),

    workplan_starts as (
        select activity_code, admin2_pcode, planned_start from {{ ref('ref_workplan') }}
    ),

    audits as (
        select * from {{ ref('cln_interview_audits') }} where form = 'me_pdm'
    )

    {{ dq_rule_duplicate_submission('pdm') }}

    {%- if personal_policy('me_pdm', 'grp_respondent/resp_phone') == 'hash' %}
    union all
    {{ dq_rule_near_duplicate_submission('pdm', ['respondent_phone_hash', 'activity_code'], 'respondent and activity') }}
    {%- endif %}

    union all
    {{ dq_pcode_rules('pdm') }}

    union all
    {{ dq_rule_unknown_activity('pdm') }}

    union all
    {{ dq_rule_date_in_future('pdm', 'interview_date') }}

    union all
    select pdm.submission_id, 'date_before_collection',
           pdm.interview_date || ', activity planned from ' || min(workplan_starts.planned_start)
    from pdm
    join workplan_starts using (activity_code)
    group by pdm.submission_id, pdm.interview_date
    having pdm.interview_date < min(workplan_starts.planned_start)

    union all
    {{ dq_rule_interview_too_short('pdm', 'me_pdm') }}

    union all
    {{ dq_rule_interview_too_long('pdm', 'me_pdm') }}

    union all
    -- the respondent's household, in people (not individuals per household)
    select pdm.submission_id, 'household_size', pdm.household_size || ' people'
    from pdm
    join rules on rules.form = 'me_pdm' and rules.rule = 'household_size'
    where pdm.has_consented and pdm.household_size not between rules.min_value and rules.max_value

    union all
    -- a pace that is not too fast a question (audit_too_fast), yet too little time for the
    -- household the respondent describes (sizes outside household_size's range are that
    -- rule's finding)
    select audits.submission_id, 'audit_short_for_household',
           cast(round(audits.active_seconds) as integer) || ' s on screen for a household of '
           || pdm.household_size || ' (' || round(audits.active_seconds / pdm.household_size, 1) || ' s a person)'
    from audits
    join pdm on pdm.submission_id = audits.submission_id
    join rules on rules.rule = 'audit_short_for_household' and rules.form = 'me_pdm'
    join rules as too_fast on too_fast.rule = 'audit_too_fast' and too_fast.form = 'me_pdm'
    join rules as sizes on sizes.rule = 'household_size' and sizes.form = 'me_pdm'
    where audits.questions_timed >= 5
      and audits.median_seconds_per_question >= too_fast.min_value
      and pdm.household_size between sizes.min_value and sizes.max_value
      and audits.active_seconds < rules.min_value * pdm.household_size
)
{%- endmacro %}
