{#- What the data-quality rules and the models reading their findings share: which columns
    are answers, a submission's fingerprint, the sex/age cells, dq_flags, every live
    submission, a rule's description with its thresholds. The rules themselves are in
    macros/dq_rules/ (ARCHITECTURE.md, Data-quality rules). -#}

{#- The metadata columns of a staged submission: everything but these is an answer. -#}
{% macro dq_metadata_columns(extra=[]) -%}
    {{ return(['submission_id', 'submission_uuid', 'root_uuid', 'submitted_at', 'form_version',
               'validation_status', 'interview_started_at', 'interview_ended_at', 'is_corrected'] + extra) }}
{%- endmacro %}

{#- A fingerprint of every answer of a row (metadata left out). A refusal carries almost no
    answers, so its fingerprint adds the interview's duration: two refusals are copies of
    one another only if they also lasted exactly as long. -#}
{% macro dq_answers_fingerprint(metadata_columns, consent_column=none) -%}
    hash(
        hash(*columns(* exclude ({{ metadata_columns | join(', ') }}))),
        {%- if consent_column %}
        case when {{ consent_column }} is not true
             then epoch(interview_ended_at - interview_started_at) end
        {%- else %}
        null
        {%- endif %}
    )
{%- endmacro %}

{#- The DTM sex/age cells, each a column's suffix (ind_m_0_5 ... ind_f_60, idp_m_0_5 ...): the
    staging models read them and the breakdown rules add them up. -#}
{% macro sex_age_cells() -%}
    {{ return(['m_0_5', 'f_0_5', 'm_6_17', 'f_6_17', 'm_18_59', 'f_18_59', 'm_60', 'f_60']) }}
{%- endmacro %}

{#- The sum of the sex/age cells (prefix + cell); with sex ('m' or 'f'), of that sex's cells only. -#}
{% macro sex_age_sum(prefix='ind_', sex=none) -%}
    ({% for cell in sex_age_cells() if sex is none or cell.startswith(sex ~ '_') %}{{ prefix ~ cell }}{% if not loop.last %} + {% endif %}{% endfor %})
{%- endmacro %}

{#- DTM age group of an age in years: 0_5, 6_17, 18_59, 60 (60 and over). -#}
{% macro age_group(age) -%}
    (case when {{ age }} is null then null
          when {{ age }} <= 5 then '0_5' when {{ age }} <= 17 then '6_17'
          when {{ age }} <= 59 then '18_59' else '60' end)
{%- endmacro %}

{#- English and French labels of the DTM age groups (not a Kobo choice list). -#}
{% macro age_group_label(age_group_column, language) -%}
    {%- set labels = {
        'en': {'0_5': '0-5 years', '6_17': '6-17 years', '18_59': '18-59 years', '60': '60 years and over'},
        'fr': {'0_5': '0-5 ans', '6_17': '6-17 ans', '18_59': '18-59 ans', '60': '60 ans et plus'}
    }[language] -%}
    (case {{ age_group_column }}
        {%- for code, label in labels.items() %} when '{{ code }}' then '{{ label }}'{% endfor %} end)
{%- endmacro %}

{#- CTE body: has_blocking_issue and dq_rules_failed per submission of one form, from dq_issues. -#}
{% macro dq_flags(form) -%}
    select
        submission_id,
        bool_or(severity = 'blocking') as has_blocking_issue,
        list(distinct rule order by rule) as dq_rules_failed
    from {{ ref('dq_issues') }}
    where form = '{{ form }}'
    group by submission_id
{%- endmacro %}

{#- Every live submission of every form, as (form, submission_id, enumerator_id,
    submitted_at, in_marts): the cleaned models of each kind, whichever forms feed it (the
    activity form's facilitator is its enumerator, a partner's report the partner), and the raw table of each form that
    feeds no kind (form: its dataset, as data quality names it). in_marts: the marts count
    it (no blocking issue); a form that feeds no kind has no marts. -#}
{% macro dq_all_submissions() -%}
    select 'dtm_locality' as form, submission_id, enumerator_id, submitted_at, not has_blocking_issue as in_marts
    from {{ ref('cln_dtm_locality_assessments') }}
    union all
    select 'dtm_site', submission_id, enumerator_id, submitted_at, not has_blocking_issue from {{ ref('cln_dtm_site_assessments') }}
    union all
    select 'dtm_flow_counts', submission_id, enumerator_id, submitted_at, not has_blocking_issue from {{ ref('cln_dtm_flow_counts') }}
    union all
    select 'dtm_flow_survey', submission_id, enumerator_id, submitted_at, not has_blocking_issue
    from {{ ref('cln_dtm_flow_survey_interviews') }}
    union all
    select 'me_activity', submission_id, facilitator_id, submitted_at, not has_blocking_issue from {{ ref('cln_me_activity_sessions') }}
    union all
    select 'me_partner_report', submission_id, partner_code, submitted_at, not has_blocking_issue
    from {{ ref('cln_me_partner_reports') }}
    union all
    select 'me_pdm', submission_id, enumerator_id, submitted_at, not has_blocking_issue from {{ ref('cln_me_pdm_interviews') }}
    union all
    select 'me_perception', submission_id, enumerator_id, submitted_at, not has_blocking_issue
    from {{ ref('cln_me_perception_interviews') }}
    union all
    select 'me_feedback', submission_id, enumerator_id, submitted_at, not has_blocking_issue
    from {{ ref('cln_me_feedback_cases') }}
    union all
    select 'me_field_visit', submission_id, monitor_id, submitted_at, not has_blocking_issue
    from {{ ref('cln_me_field_visits') }}
    {%- for dataset, form in var('kobo_forms', {}).items() if form.get('kind') in (none, 'none') %}
    union all
    select '{{ dataset }}', _id, {{ kobo_enumerator_id(dataset) }}, submission_time, false
    from {{ source('kobo', 'kobo_' ~ dataset) }}
    where deleted_at is null
    {%- endfor %}
{%- endmacro %}


{#- A rule's description as people read it: its min_value and max_value words replaced by
    the thresholds of ``rules`` (the aliases of ref_dq_rules rows, the form's own first and
    then the one for every form), a whole number without decimals. -#}
{% macro rule_text(description, rules) -%}
    {%- set threshold = "case when {v} = round({v}) then cast(cast({v} as bigint) as varchar) else cast({v} as varchar) end" -%}
    {%- set min_value = 'coalesce(' ~ (rules | join('.min_value, ')) ~ '.min_value)' -%}
    {%- set max_value = 'coalesce(' ~ (rules | join('.max_value, ')) ~ '.max_value)' -%}
    replace(replace({{ description }},
        'min_value', coalesce({{ threshold.format(v=min_value) }}, 'min_value')),
        'max_value', coalesce({{ threshold.format(v=max_value) }}, 'max_value'))
{%- endmacro %}


{#- TRUE for a submission whose row may leave the platform: not a sensitive complaints and
    feedback case (cleaned.cln_me_feedback_cases, ARCHITECTURE.md, Personal data). The
    published marts that list submissions (verification queue, issue resolution, cleaning
    review) keep to these; the officer sees a sensitive case's issues in the case register. -#}
{% macro publishable_submission(form, submission_id) -%}
    not ({{ form }} = 'me_feedback' and coalesce({{ submission_id }} in (
        select submission_id from {{ ref('cln_me_feedback_cases') }} where is_sensitive), false))
{%- endmacro %}
