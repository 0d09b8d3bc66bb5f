-- The open data-quality issues a field team is asked to verify, one row per submission,
-- rule and question: what the verification workbooks (dtm_platform/cleaning/workbooks.py)
-- list, and what an answer imported from them is checked against. An issue is open while
-- nothing in the cleaning log answers it: no applied correction or blank of its question
-- (the rules judge the new value; one still failing is not sent again), no confirmation
-- of it, no removal of its survey. Issues on a form's recent
-- submissions (the last verification_window_days of its collection) are sent; the others
-- stay here, answerable. Values are never personal: a personal question's value is not in
-- staging, and dq_answer_issues withholds it.
with rules as (
    select * from {{ ref('ref_dq_rules') }}
),

issues as (
    -- the form's own rules: one question each (the rule's field, or the answer's address
    -- inside a repeat)
    select issues.form, issues.submission_id, issues.enumerator_id, issues.rule, issues.field,
           issues.value, issues.severity, false as is_answer_level
    from {{ ref('dq_issues') }} as issues
    join rules on rules.rule = issues.rule and rules.form = issues.form

    union all
    -- answer-level rules: one row per question, named as the form's kind names it
    select answers.form, answers.submission_id, answers.enumerator_id, answers.rule,
           {{ kobo_question_name('answers.field') }}, answers.value, answers.severity, true
    from {{ ref('dq_answer_issues') }} as answers
    where {{ answer_not_confirmed('answers') }}
),

answered as (
    select form, submission_id, field, decision, rule
    from {{ ref('cln_cleaning_log') }}
    where status = 'applied'
),

submissions as (
    {{ dq_all_submissions() }}
),

-- each form's newest submission, where its verification window ends
newest as (
    select form, max(submitted_at) as submitted_at from submissions group by form
),

places as (
    select 'dtm_locality' as form, submission_id, concat_ws(' / ', coalesce(admin2_name, admin2_pcode), locality_name) as place
    from {{ ref('cln_dtm_locality_assessments') }}
    union all
    select 'dtm_site', submission_id, concat_ws(' / ', coalesce(admin2_name, admin2_pcode), site_name) from {{ ref('cln_dtm_site_assessments') }}
    union all
    select 'me_activity', submission_id, concat_ws(' / ', coalesce(admin2_name, admin2_pcode), venue) from {{ ref('cln_me_activity_sessions') }}
    union all
    select 'me_partner_report', submission_id,
           concat_ws(' / ', coalesce(admin2_name, admin2_pcode), activity_code, strftime(reporting_month, '%Y-%m'))
    from {{ ref('cln_me_partner_reports') }}
    union all
    select 'me_pdm', submission_id, coalesce(admin2_name, admin2_pcode) from {{ ref('cln_me_pdm_interviews') }}
    union all
    select 'me_perception', submission_id, coalesce(admin2_name, admin2_pcode) from {{ ref('cln_me_perception_interviews') }}
    union all
    select 'dtm_flow_survey', interviews.submission_id, points.name
    from {{ ref('cln_dtm_flow_survey_interviews') }} as interviews
    left join {{ ref('ref_flow_monitoring_points') }} as points on points.fmp_id = interviews.fmp_id
    union all
    select 'dtm_flow_counts', counts.submission_id, points.name
    from {{ ref('cln_dtm_flow_counts') }} as counts
    left join {{ ref('ref_flow_monitoring_points') }} as points on points.fmp_id = counts.fmp_id
),

kind_labels as (
    select kind, question_name, label_en, label_fr from {{ ref('stg_kobo__kind_questions') }}
),

form_labels as (
    -- the labels of a form that feeds no kind, from its newest version
    select dataset, question_name, label_en, label_fr
    from {{ ref('stg_kobo__form_questions') }}
    qualify row_number() over (partition by dataset, question_name order by version_deployed_at desc nulls last) = 1
),

open_issues as (
    select issues.*, coalesce(targets.question_name, staging_questions.question_name, issues.field) as question_name,
           targets.field is not null as is_correctable, targets.value_type, targets.current_value
    from issues
    left join {{ staging_question_rows() }}
        on staging_questions.form = issues.form and staging_questions.field = issues.field
    left join {{ ref('cln_cleaning_targets') }} as targets
        on targets.form = issues.form and targets.submission_id = issues.submission_id and targets.field = issues.field
    where issues.rule <> 'removed_by_cleaning_log'
      and not exists (
          select 1 from answered
          where answered.form = issues.form and answered.submission_id = issues.submission_id
            and (answered.decision = 'remove_survey'
                 -- an answer-level rule judges the raw answer, which a correction does not
                 -- change (a form's own rules run on the corrected value: one still failing
                 -- comes back, with the corrected value)
                 or issues.is_answer_level and answered.decision in ('change_response', 'blank_response')
                    and answered.field = issues.field
                 -- a confirmation answers its own rule (or, without one, every rule on the field)
                 or answered.decision = 'no_action' and answered.field = issues.field
                    and coalesce(answered.rule, issues.rule) = issues.rule))
)

select
    md5(open_issues.form || '|' || open_issues.submission_id || '|' || open_issues.rule || '|'
        || coalesce(open_issues.field, '')) as issue_key,
    coalesce(teams.team, 'unassigned') as team,
    teams.supervisor,
    open_issues.form,
    open_issues.submission_id,
    submissions.submitted_at,
    coalesce(open_issues.enumerator_id, submissions.enumerator_id) as enumerator_id,
    places.place,
    open_issues.field,
    open_issues.question_name,
    coalesce(kind_labels.label_en, form_labels.label_en, metadata_labels.label_en, open_issues.field)
        as question_label_en,
    coalesce(kind_labels.label_fr, form_labels.label_fr, metadata_labels.label_fr, kind_labels.label_en,
             form_labels.label_en, open_issues.field) as question_label_fr,
    -- a correctable cell shows its value (blank too: an import compares it), another what
    -- tripped the rule
    case when open_issues.is_correctable then open_issues.current_value else open_issues.value end as current_value,
    -- what tripped the rule, where the current value does not show it (an "other" answer's
    -- text, a soft duplicate's neighbour)
    case when open_issues.is_correctable and (open_issues.value is distinct from open_issues.current_value)
         then open_issues.value end as finding,
    open_issues.is_correctable,
    open_issues.value_type,
    open_issues.rule,
    open_issues.severity,
    {{ rule_text('coalesce(form_rules.description, any_form_rules.description)', ['form_rules', 'any_form_rules']) }} as rule_description_en,
    {{ rule_text('coalesce(form_rules.description_fr, any_form_rules.description_fr)', ['form_rules', 'any_form_rules']) }}
        as rule_description_fr,
    submissions.submitted_at >= newest.submitted_at - to_days({{ var('verification_window_days') }}) as is_recent,
    -- the cleaning log covers the form (cleaning_log_forms): otherwise the submission is
    -- corrected in Kobo, and the workbook only shows the issue
    open_issues.form in ('{{ cleaning_log_forms().keys() | join("', '") }}') as is_answerable
from open_issues
left join submissions
    on submissions.form = open_issues.form and submissions.submission_id = open_issues.submission_id
left join newest
    on newest.form = open_issues.form
left join {{ ref('ref_enumerator_teams') }} as teams
    on teams.enumerator_id = coalesce(open_issues.enumerator_id, submissions.enumerator_id)
left join places on places.form = open_issues.form and places.submission_id = open_issues.submission_id
left join kind_labels on kind_labels.kind = open_issues.form and kind_labels.question_name = open_issues.question_name
left join form_labels on form_labels.dataset = open_issues.form and form_labels.question_name = open_issues.question_name
left join (values
        -- what Kobo records by itself has no label in the form
        ('start', 'Interview start (tablet clock)', 'Début de l''entretien (horloge de la tablette)'),
        ('end', 'Interview end (tablet clock)', 'Fin de l''entretien (horloge de la tablette)'),
        ('answers', 'Scored answers', 'Réponses notées'),
        ('__version__', 'Form version (the tablet''s)', 'Version du formulaire (celle de la tablette)'),
        ('audit', 'Audit log (time on each question)', 'Journal d''audit (temps sur chaque question)')
    ) as metadata_labels (question_name, label_en, label_fr)
    on metadata_labels.question_name = open_issues.question_name
left join rules as form_rules on form_rules.rule = open_issues.rule and form_rules.form = open_issues.form
left join rules as any_form_rules on any_form_rules.rule = open_issues.rule and any_form_rules.form = '*'
where {{ publishable_submission('open_issues.form', 'open_issues.submission_id') }}
