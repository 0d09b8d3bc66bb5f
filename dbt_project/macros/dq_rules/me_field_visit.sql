{#- The field monitoring visits' data-quality rules (form me_field_visit), on the visit as
    it stands now (staging: a visit is corrected by editing it in Kobo): a select of (form,
    submission_id, rule, value), the model dq_me_field_visit_findings, which dq_issues
    lists. `value` never carries the dropped free texts. -#}
{% macro dq_rules_me_field_visit() -%}
select form, submission_id, rule, value
from (
    with visits as (
        select * from {{ ref('stg_kobo__me_field_visit') }}
    ),

    findings as (
        select * from {{ ref('stg_kobo__me_field_visit__findings') }}
    ),

    -- every finding's answers, in order: two submissions with the same visit answers but other
    -- findings are two visits, not a copy
    findings_fingerprint as (
        select submission_id,
               hash(string_agg(concat_ws('|', finding_category, severity, action_due_date, action_status,
                                         action_closed_date), '#' order by finding_position)) as fingerprint
        from findings
        group by submission_id
    ),

    fingerprinted as (
        select answered.submission_id, hash(answered.answers, findings_fingerprint.fingerprint) as answers
        from (
            -- staging's columns (no cleaning-log ones): the metadata left out by name
            select submission_id,
                   {{ dq_answers_fingerprint(dq_metadata_columns() | reject('equalto', 'is_corrected') | list) }} as answers
            from visits
        ) as answered
        left join findings_fingerprint using (submission_id)
    ),

    admin2 as (
        select pcode, parent_pcode from {{ ref('ref_admin_pcodes') }} where admin_level = 2
    ),

    plan as (
        select visit_code from {{ ref('ref_monitoring_plan') }}
    )

    select 'me_field_visit' as form, submission_id, rule, value
    from (
        {{ dq_rule_duplicate_submission('fingerprinted') }}

        union all
        {{ dq_pcode_rules('visits') }}

        union all
        {{ dq_rule_date_in_future('visits', 'visit_date') }}

        union all
        -- a visit the plan does not list (a plan changed after the form was deployed): neither
        -- its planned line nor "unplanned" can be told, so the officer decides
        select submission_id, 'unknown_visit_code', visit_code
        from visits
        where visit_code <> 'unplanned' and visit_code not in (select visit_code from plan)

        union all
        select submission_id, 'finding_closed_without_date',
               'finding ' || string_agg(cast(finding_position as varchar), ', ' order by finding_position)
        from findings
        where action_status = 'closed' and action_closed_date is null
        group by submission_id
    )
)
{%- endmacro %}
