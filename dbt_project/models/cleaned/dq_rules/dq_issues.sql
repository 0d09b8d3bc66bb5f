-- Every data-quality finding of every form, one row per submission, rule and field (a rule
-- on the answers inside a repeat finds each entry: field is the answer's address,
-- `travel_group[2]/member_age`), on the data as the cleaning log corrected it, with the
-- rule's severity and description from the ref_dq_rules seed (one row per form and rule).
-- `value` shows what tripped the rule and never carries a personal field.
--
-- This model only gathers: a form's rules are in macros/dq_rules/<form>.sql
-- (dq_rules_<form>), the rules several forms share in macros/dq_rules/shared_rules.sql and
-- the rules for any form in macros/dq_rules/any_form.sql (dq_rule_<rule id>), and the rules
-- computed in models of their own are read here (ARCHITECTURE.md, Data-quality rules). The
-- flow monitoring registry's rules run in its incremental cleaned model
-- (cln_dtm_flow_counts, which keeps each submission's findings): listed here, not recomputed.
with rules as (
    select * from {{ ref('ref_dq_rules') }}
),

admin2 as (
    select pcode, parent_pcode from {{ ref('ref_admin_pcodes') }} where admin_level = 2
),

-- (form, submission_id, rule, field, value); field null: the rule's field in ref_dq_rules
findings as (
    {{ dq_rules_dtm_locality() }}

    union all
    {{ dq_rules_dtm_site() }}

    union all
    {{ dq_rules_dtm_flow_survey() }}

    union all
    {{ dq_rules_me_activity() }}

    union all
    {{ dq_rules_me_partner_report() }}

    union all
    {{ dq_rules_me_pdm() }}

    union all
    {{ dq_rules_me_perception() }}

    union all
    -- field monitoring visits and complaints and feedback cases: corrected by editing them
    -- in Kobo, not through the cleaning log, so their rules read staging, in models of their
    -- own (their cleaned models, cln_me_field_visits and cln_me_feedback_cases, take their
    -- flags from this model)
    select form, submission_id, rule, null, value from {{ ref('dq_me_field_visit_findings') }}
    union all
    select form, submission_id, rule, null, value from {{ ref('dq_me_feedback_findings') }}

    union all
    {{ dq_rule_audit_too_fast() }}

    union all
    {{ dq_rule_other_specified() }}

    union all
    -- rules computed in models of their own, for the forms their seed rows name
    select form, submission_id, rule, null, value from {{ ref('dq_soft_duplicate_findings') }}
    union all
    select form, submission_id, rule, field, value from {{ ref('dq_logical_check_findings') }}
),

-- every submission a finding may name, with its enumerator (the activity form's
-- facilitator, a partner's report the partner)
submissions as (
    select 'dtm_locality' as form, submission_id, enumerator_id from {{ ref('cln_dtm_locality_corrected') }}
    union all
    select 'dtm_site', submission_id, enumerator_id from {{ ref('cln_dtm_site_corrected') }}
    union all
    select 'dtm_flow_survey', submission_id, enumerator_id from {{ ref('cln_dtm_flow_survey_corrected') }}
    union all
    select 'me_activity', submission_id, facilitator_id from {{ ref('cln_me_activity_corrected') }}
    union all
    select 'me_partner_report', submission_id, partner_code from {{ ref('cln_me_partner_report_corrected') }}
    union all
    select 'me_pdm', submission_id, enumerator_id from {{ ref('cln_me_pdm_corrected') }}
    union all
    select 'me_perception', submission_id, enumerator_id from {{ ref('cln_me_perception_corrected') }}
    union all
    select 'me_field_visit', submission_id, monitor_id from {{ ref('stg_kobo__me_field_visit') }}
    union all
    select 'me_feedback', submission_id, enumerator_id from {{ ref('stg_kobo__me_feedback') }}
),

-- Flow monitoring registry: findings kept by its incremental cleaned model
flow_count_findings as (
    select submission_id, enumerator_id, unnest(dq_findings) as finding
    from {{ ref('cln_dtm_flow_counts') }}
    where len(dq_findings) > 0
),

all_findings as (
    select findings.form, findings.submission_id, submissions.enumerator_id, findings.rule, findings.field,
           findings.value
    from findings
    join submissions on submissions.form = findings.form and submissions.submission_id = findings.submission_id
    union all
    select 'dtm_flow_counts', submission_id, enumerator_id, finding.rule, null, finding.value
    from flow_count_findings
),

issues as (
    select
        all_findings.form,
        all_findings.submission_id,
        all_findings.enumerator_id,
        all_findings.rule,
        coalesce(all_findings.field, rules.field) as field,
        all_findings.value,
        rules.severity,
        rules.description,
        current_timestamp as detected_at
    from all_findings
    join rules on rules.rule = all_findings.rule and rules.form = all_findings.form

    union all
    -- Answer-level findings (dq_answer_issues) count here too, so a blocking one keeps the
    -- submission out of the marts; one row per submission and rule, naming every field.
    select
        form,
        submission_id,
        any_value(enumerator_id),
        rule,
        string_agg(field, ', ' order by field),
        min(value),
        any_value(severity),
        any_value(description),
        max(detected_at)
    from {{ ref('dq_answer_issues') }} as answers
    -- an answer a field team or officer confirmed (no_action) is closed, question by question
    where {{ answer_not_confirmed('answers') }}
    group by form, submission_id, rule
),

confirmations as (
    select * from {{ ref('cln_cleaning_confirmations') }}
)

-- an issue a field team or officer verified and confirmed (no_action) is closed
select issues.*
from issues
where not exists (
    select 1 from confirmations
    where confirmations.form = issues.form and confirmations.submission_id = issues.submission_id
      and confirmations.field = issues.field and coalesce(confirmations.rule, issues.rule) = issues.rule)

union all
-- a survey the cleaning log removes (remove_survey) is blocked, with the entry's reason
select
    removals.form,
    removals.submission_id,
    null,
    'removed_by_cleaning_log',
    null,
    'remove_survey: ' || coalesce(removals.source_file, 'cleaning log'),
    rules.severity,
    rules.description,
    current_timestamp
from {{ ref('cln_cleaning_log') }} as removals
join {{ ref('ref_dq_rules') }} as rules on rules.rule = 'removed_by_cleaning_log' and rules.form = '*'
where removals.decision = 'remove_survey' and removals.status = 'applied'
qualify row_number() over (partition by removals.form, removals.submission_id order by removals.changed_at desc) = 1
