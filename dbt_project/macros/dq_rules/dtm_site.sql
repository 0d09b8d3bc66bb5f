{#- The IDP site assessment's data-quality rules (form dtm_site), on the data as the cleaning
    log corrected it: a select of (form, submission_id, rule, field, value) for dq_issues,
    field null where the issue is the rule's field in ref_dq_rules. -#}
{% macro dq_rules_dtm_site() -%}
select 'dtm_site' as form, submission_id, rule, null as field, value
from (
    with sites as (
        select *, {{ dq_answers_fingerprint(dq_metadata_columns()) }} as answers
        from {{ ref('cln_dtm_site_corrected') }}
    )

    {{ dq_rule_duplicate_submission('sites') }}

    union all
    {{ dq_rule_near_duplicate_submission('sites', ['round', 'site_id'], 'site and round') }}

    union all
    {{ dq_pcode_rules('sites') }}

    union all
    {{ dq_rule_household_size('sites', 'dtm_site', 'individuals', 'households') }}

    union all
    {{ dq_rule_breakdown_mismatch('sites', 'ind_', 'individuals') }}

    union all
    {{ dq_rule_gps_outside_car('sites') }}

    union all
    {{ dq_rule_interview_outside_round('sites', 'dtm_site') }}

    union all
    {{ dq_rule_interview_duration('sites', 'dtm_site') }}
)
{%- endmacro %}
