{#- The activity sessions' data-quality rules (form me_activity), on the data as the
    cleaning log corrected it, attendance lists included: a select of (form, submission_id,
    rule, field, value) for dq_issues, field null where the issue is the rule's field in
    ref_dq_rules. -#}
{% macro dq_rules_me_activity() -%}
{%- set identifiers = beneficiary_identifiers() %}
select 'me_activity' as form, submission_id, rule, field, value
from (
    with workplan_starts as (
        select activity_code, admin2_pcode, planned_start from {{ ref('ref_workplan') }}
    ),

    attendance as (
        select
            submission_id,
            {%- if identifiers %}
            count(*) filter (where coalesce({{ identifiers | join(', ') }}) is null) as without_identifier,
            {%- endif %}
            list((beneficiary_sex, beneficiary_age, displacement_status, has_disability)
                 order by beneficiary_position) as attendance
        from {{ ref('cln_me_activity__beneficiaries_corrected') }}
        group by submission_id
    ),

    sessions_with_attendance as (
        select sessions.*, attendance.attendance
        from {{ ref('cln_me_activity_corrected') }} as sessions
        left join attendance using (submission_id)
    ),

    -- the attendance list is one of a session's answers: a copy has the same list
    sessions as (
        select *, {{ dq_answers_fingerprint(dq_metadata_columns()) }} as answers
        from sessions_with_attendance
    ),

    row_findings as (
        {{ dq_rule_duplicate_submission('sessions') }}

        union all
        {{ dq_rule_near_duplicate_submission('sessions', ['activity_code', 'activity_date', 'admin2_pcode', 'venue'],
                                             'activity, day, sub-prefecture and venue') }}

        union all
        {{ dq_pcode_rules('sessions') }}

        union all
        {{ dq_rule_unknown_activity('sessions') }}

        union all
        {{ dq_rule_date_in_future('sessions', 'activity_date') }}

        union all
        select sessions.submission_id, 'date_before_collection',
               sessions.activity_date || ', planned from ' || min(workplan_starts.planned_start)
        from sessions
        join workplan_starts using (activity_code)
        group by sessions.submission_id, sessions.activity_date
        having sessions.activity_date < min(workplan_starts.planned_start)

        {%- if identifiers %}
        union all
        select submission_id, 'beneficiary_without_identifier', without_identifier || ' beneficiaries'
        from attendance
        where without_identifier > 0
        {%- endif %}
    )

    select submission_id, rule, null as field, value from row_findings

    union all
    -- a beneficiary's age, by the answer's address
    select beneficiaries.submission_id, 'implausible_age',
           {{ repeat_cell_address('beneficiaries', ['beneficiary_position'], 'beneficiary_age', 'beneficiaries') }},
           beneficiaries.beneficiary_age || ' years'
    from {{ ref('cln_me_activity__beneficiaries_corrected') }} as beneficiaries
    join rules on rules.form = 'me_activity' and rules.rule = 'implausible_age'
    where beneficiaries.beneficiary_age not between rules.min_value and rules.max_value
)
{%- endmacro %}
