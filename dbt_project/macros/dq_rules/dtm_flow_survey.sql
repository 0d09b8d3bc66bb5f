{#- The flow monitoring survey's data-quality rules (form dtm_flow_survey), on the data as
    the cleaning log corrected it: a select of (form, submission_id, rule, field, value) for
    dq_issues, field null where the issue is the rule's field in ref_dq_rules. -#}
{% macro dq_rules_dtm_flow_survey() -%}
select 'dtm_flow_survey' as form, submission_id, rule, field, value
from (
    with surveys as (
        select *, {{ dq_answers_fingerprint(dq_metadata_columns(), 'has_consented') }} as answers
        from {{ ref('cln_dtm_flow_survey_corrected') }}
    ),

    flow_points as (
        select * from {{ ref('ref_flow_monitoring_points') }}
    ),

    row_findings as (
        {{ dq_rule_duplicate_submission('surveys') }}

        {%- if personal_policy('dtm_flow_survey', 'grp_respondent/resp_phone') == 'hash' %}
        union all
        {{ dq_rule_near_duplicate_submission('surveys', ['respondent_phone_hash', 'fmp_id', 'survey_date'],
                                             'respondent, point and day') }}
        {%- endif %}

        union all
        select submission_id, 'unknown_flow_monitoring_point', fmp_id
        from surveys
        where fmp_id not in (select fmp_id from flow_points)

        union all
        -- the route's two ends, not the place of the interview
        select submission_id, 'unknown_admin2_pcode',
               concat_ws(', ', 'departure ' || origin_admin2_pcode, 'destination ' || destination_admin2_pcode)
        from surveys
        where origin_admin2_pcode not in (select pcode from admin2)
           or destination_admin2_pcode not in (select pcode from admin2)

        union all
        {{ dq_rule_date_in_future('surveys', 'survey_date') }}

        union all
        select surveys.submission_id, 'date_before_collection',
               surveys.survey_date || ', point counting since ' || flow_points.counting_since
        from surveys
        join flow_points using (fmp_id)
        where surveys.survey_date < flow_points.counting_since

        union all
        {{ dq_rule_interview_too_short('surveys', 'dtm_flow_survey') }}

        union all
        {{ dq_rule_interview_too_long('surveys', 'dtm_flow_survey') }}

        union all
        select surveys.submission_id, 'implausible_age', surveys.respondent_age || ' years'
        from surveys
        join rules on rules.form = 'dtm_flow_survey' and rules.rule = 'implausible_age'
        where surveys.has_consented
          and surveys.respondent_age not between rules.min_value and rules.max_value

        union all
        select submission_id, 'group_size_mismatch',
               group_size || ' declared, ' || group_members_listed || ' listed'
        from surveys
        where has_consented and coalesce(group_size, 0) <> group_members_listed
    )

    select submission_id, rule, null as field, value from row_findings

    union all
    -- a travel group member's age, by the answer's address
    select members.submission_id, 'implausible_member_age',
           {{ repeat_cell_address('travel_group', ['member_position'], 'member_age', 'members') }},
           members.member_age || ' years'
    from {{ ref('cln_dtm_flow_survey__travel_group_corrected') }} as members
    join rules on rules.form = 'dtm_flow_survey' and rules.rule = 'implausible_member_age'
    where members.member_age not between rules.min_value and rules.max_value
)
{%- endmacro %}
