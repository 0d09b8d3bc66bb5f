{#- Rules any form may run, found here for the forms their rows of ref_dq_rules (or their
    lists) name: each renders a select of (form, submission_id, rule, field, value) for
    dq_issues, field null where the issue is the rule's field in ref_dq_rules. The other
    rules for any form are models of their own: dq_answer_issues (answers against their
    questions; duplicate_uuid, outdated_form_version), dq_soft_duplicate_findings,
    dq_logical_check_findings (the officer's checks); removed_by_cleaning_log is dq_issues'
    own. -#}

{#- audit_too_fast: the audit log shows the questions went by faster than they can be
    asked (5 questions timed at least). -#}
{% macro dq_rule_audit_too_fast() -%}
    select audits.form, audits.submission_id, 'audit_too_fast' as rule, null as field,
           round(audits.median_seconds_per_question, 1) || ' s a question (median of ' || audits.questions_timed
           || '), ' || cast(round(audits.active_seconds / 60) as integer) || ' min on screen of '
           || cast(round(audits.logged_seconds / 60) as integer) || ' logged' as value
    from {{ ref('cln_interview_audits') }} as audits
    join rules on rules.rule = 'audit_too_fast' and rules.form = audits.form
    where audits.questions_timed >= 5 and audits.median_seconds_per_question < rules.min_value
{%- endmacro %}

{#- other_specified: an "other" answer with its text, for the officer to recode or confirm,
    for each question of other_specify_questions (macros/cleaning_log.sql). -#}
{% macro dq_rule_other_specified() -%}
    {%- set selects = [] %}
    {%- for form, questions in other_specify_questions().items() %}
    {%- for question in questions %}
    {%- do selects.append("select '" ~ form ~ "' as form, submission_id, 'other_specified' as rule, '"
        ~ question.choice ~ "' as field, 'other: ' || left(trim(" ~ question.text ~ "), 80) as value from "
        ~ ref('cln_' ~ form ~ '_corrected') ~ " where " ~ question.choice ~ " = 'other' and trim("
        ~ question.text ~ ") <> ''") %}
    {%- endfor %}
    {%- endfor %}
    {%- if selects %}
    {{ selects | join('\n    union all\n    ') }}
    {%- else %}
    select null::varchar as form, null::bigint as submission_id, null::varchar as rule, null::varchar as field,
           null::varchar as value
    where false
    {%- endif %}
{%- endmacro %}
