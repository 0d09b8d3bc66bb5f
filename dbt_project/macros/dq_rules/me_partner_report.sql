{#- The partners' monthly reports' data-quality rules (form me_partner_report), on the data
    as the cleaning log corrected it: a select of (form, submission_id, rule, field, value)
    for dq_issues, field null where the issue is the rule's field in ref_dq_rules. -#}
{% macro dq_rules_me_partner_report() -%}
select 'me_partner_report' as form, submission_id, rule, null as field, value
from (
    with partner_reports as (
        select *, {{ dq_answers_fingerprint(dq_metadata_columns()) }} as answers
        from {{ ref('cln_me_partner_report_corrected') }}
    ),

    -- the reports expected: each partner's activities and sub-prefectures, each month of the
    -- activity's planned period in the workplan
    partner_months as (
        select assignments.partner_code, assignments.activity_code, assignments.admin2_pcode,
               date_trunc('month', workplan.planned_start) as first_month,
               date_trunc('month', workplan.planned_end) as last_month
        from {{ ref('ref_partner_activities') }} as assignments
        join {{ ref('ref_workplan') }} as workplan using (activity_code, admin2_pcode)
    )

    {{ dq_rule_duplicate_submission('partner_reports') }}

    union all
    {{ dq_rule_near_duplicate_submission('partner_reports', ['partner_code', 'reporting_month', 'activity_code', 'admin2_pcode'],
                                         'partner, month, activity and sub-prefecture') }}

    union all
    {{ dq_pcode_rules('partner_reports') }}

    union all
    select submission_id, 'unknown_partner', partner_code
    from partner_reports
    where partner_code not in (select partner_code from {{ ref('ref_partners') }})

    union all
    {{ dq_rule_unknown_activity('partner_reports') }}

    union all
    {{ dq_rule_date_in_future('partner_reports', 'submission_date') }}

    union all
    select reports.submission_id, 'report_not_expected',
           reports.partner_code || ', ' || reports.activity_code || ' in ' || reports.admin2_pcode || ', '
           || strftime(reports.reporting_month, '%Y-%m')
    from partner_reports as reports
    where reports.partner_code in (select partner_code from {{ ref('ref_partners') }})
      and not exists (
        select 1 from partner_months
        where partner_months.partner_code = reports.partner_code
          and partner_months.activity_code = reports.activity_code
          and partner_months.admin2_pcode = reports.admin2_pcode
          and reports.reporting_month between partner_months.first_month and partner_months.last_month)

    union all
    -- the people reached by sex and age, and those with a disability by sex
    select submission_id, 'breakdown_mismatch',
           'sex and age ' || {{ sex_age_sum('reached_') }} || ', with a disability '
           || (reached_disability_m + reached_disability_f) || ', people reached ' || people_reached
    from partner_reports
    where {{ sex_age_sum('reached_') }} <> people_reached
       or reached_disability_m > {{ sex_age_sum('reached_', 'm') }}
       or reached_disability_f > {{ sex_age_sum('reached_', 'f') }}
)
{%- endmacro %}
