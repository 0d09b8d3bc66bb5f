{#- The fields of a form a data officer may correct through the cleaning log, with their
    staging types (cln_cleaning_targets lists their values). A correction to any other
    field is reported as unknown_field. The flow
    monitoring registry (dtm_flow_counts) has none: its models are incremental and a group
    counted wrongly is corrected by editing the submission in Kobo, which the incremental
    models pick up. Answers inside repeat groups: correctable_repeats. -#}
{% macro correctable_fields(form) -%}
    {%- set fields = {
        'dtm_locality': {
            'round': 'integer', 'admin1_pcode': 'varchar', 'admin2_pcode': 'varchar',
            'locality_name': 'varchar', 'idp_households': 'integer', 'idp_individuals': 'integer',
            'idp_m_0_5': 'integer', 'idp_f_0_5': 'integer', 'idp_m_6_17': 'integer', 'idp_f_6_17': 'integer',
            'idp_m_18_59': 'integer', 'idp_f_18_59': 'integer', 'idp_m_60': 'integer', 'idp_f_60': 'integer',
            'returnee_internal_households': 'integer', 'returnee_internal_individuals': 'integer',
            'returnee_abroad_households': 'integer', 'returnee_abroad_individuals': 'integer',
            'gps_latitude': 'double', 'gps_longitude': 'double'
        },
        'dtm_site': {
            'round': 'integer', 'admin1_pcode': 'varchar', 'admin2_pcode': 'varchar', 'site_id': 'varchar',
            'site_name': 'varchar', 'site_type': 'varchar', 'is_managed': 'boolean', 'management_agency': 'varchar',
            'households': 'integer', 'individuals': 'integer',
            'ind_m_0_5': 'integer', 'ind_f_0_5': 'integer', 'ind_m_6_17': 'integer', 'ind_f_6_17': 'integer',
            'ind_m_18_59': 'integer', 'ind_f_18_59': 'integer', 'ind_m_60': 'integer', 'ind_f_60': 'integer',
            'gps_latitude': 'double', 'gps_longitude': 'double'
        },
        'dtm_flow_survey': {
            'fmp_id': 'varchar', 'survey_date': 'date', 'respondent_sex': 'varchar', 'respondent_age': 'integer',
            'respondent_nationality': 'varchar', 'origin_country': 'varchar', 'origin_admin2_pcode': 'varchar',
            'destination_country': 'varchar', 'destination_admin2_pcode': 'varchar', 'travel_reason': 'varchar',
            'travel_reason_other': 'varchar', 'group_size': 'integer'
        },
        'me_activity': {
            'activity_code': 'varchar', 'activity_date': 'date', 'admin1_pcode': 'varchar', 'admin2_pcode': 'varchar',
            'venue': 'varchar'
        },
        'me_partner_report': {
            'partner_code': 'varchar', 'reporting_month': 'date', 'activity_code': 'varchar', 'admin1_pcode': 'varchar',
            'admin2_pcode': 'varchar', 'submission_date': 'date', 'sessions_held': 'integer', 'people_reached': 'integer',
            'reached_m_0_5': 'integer', 'reached_f_0_5': 'integer', 'reached_m_6_17': 'integer', 'reached_f_6_17': 'integer',
            'reached_m_18_59': 'integer', 'reached_f_18_59': 'integer', 'reached_m_60': 'integer', 'reached_f_60': 'integer',
            'reached_disability_m': 'integer', 'reached_disability_f': 'integer'
        },
        'me_pdm': {
            'activity_code': 'varchar', 'admin1_pcode': 'varchar', 'admin2_pcode': 'varchar', 'interview_date': 'date',
            'respondent_sex': 'varchar', 'respondent_age': 'integer', 'household_size': 'integer',
            'satisfaction': 'integer'
        },
        'me_perception': {
            'round': 'integer', 'admin1_pcode': 'varchar', 'admin2_pcode': 'varchar', 'interview_date': 'date',
            'respondent_sex': 'varchar', 'respondent_age': 'integer', 'respondent_displacement_status': 'varchar'
        }
    } -%}
    {{ return(fields[form]) }}
{%- endmacro %}


{#- The answers inside repeat groups the cleaning log may correct, per form and repeat path
    (nested repeats joined by '/'): the staging model of the repeat (one row per entry),
    the columns holding each level's 1-based position, and per column its staging type and
    its question's name in the form. A log entry addresses one answer as Kobo numbers a
    repeat's entries: `travel_group[2]/member_age`, or
    `travel_group[2]/documents[1]/document_type` in a nested repeat (repeat_cell_address).
    Personal answers (names, phones, ids) are not here: they are not in staging. -#}
{% macro correctable_repeats(form) -%}
    {%- set repeats = {
        'dtm_locality': {
            'key_informants': {'model': 'stg_kobo__dtm_locality__key_informants', 'positions': ['informant_position'],
                               'fields': {'informant_role': ['varchar', 'ki_role'],
                                          'informant_sex': ['varchar', 'ki_sex'],
                                          'informant_idp_estimate': ['integer', 'ki_idp_estimate']}}
        },
        'dtm_flow_survey': {
            'travel_group': {'model': 'stg_kobo__dtm_flow_survey__travel_group', 'positions': ['member_position'],
                             'fields': {'member_sex': ['varchar', 'member_sex'],
                                        'member_age': ['integer', 'member_age'],
                                        'member_relationship': ['varchar', 'member_relationship']}},
            'travel_group/documents': {'model': 'stg_kobo__dtm_flow_survey__travel_group__documents',
                                       'positions': ['member_position', 'document_position'],
                                       'fields': {'document_type': ['varchar', 'doc_type']}}
        },
        'me_activity': {
            'beneficiaries': {'model': 'stg_kobo__me_activity__beneficiaries', 'positions': ['beneficiary_position'],
                              'fields': {'beneficiary_sex': ['varchar', 'ben_sex'],
                                         'beneficiary_age': ['integer', 'ben_age'],
                                         'displacement_status': ['varchar', 'ben_displacement']}}
        }
    } -%}
    {{ return(repeats.get(form, {})) }}
{%- endmacro %}


{#- The SQL text of the address of a repeat entry's answer `column` (or, without a column,
    of the entry itself, ending in '/'), from the entry's position columns:
    'travel_group[' || member_position || ']/documents[' || document_position || ']/doc...'. -#}
{% macro repeat_cell_address(repeat, positions, column=none, alias=none) -%}
    {%- set parts = [] -%}
    {%- for level in repeat.split('/') -%}
        {%- do parts.append("'" ~ level ~ "[' || " ~ ((alias ~ '.') if alias else '') ~ positions[loop.index0] ~ " || ']/'") -%}
    {%- endfor -%}
    ({{ parts | join(' || ') }}{% if column %} || '{{ column }}'{% endif %})
{%- endmacro %}


{#- A repeat's staging model with the applicable cleaning-log corrections applied (one
    applied change or blank per answer, as for the form's own fields), nothing else changed,
    and is_corrected: renders the whole select of a cln_<form>__<repeat>_corrected model. -#}
{% macro apply_repeat_cleaning_log(form, repeat) -%}
{%- set spec = correctable_repeats(form)[repeat] %}
with staged as (
    select *, {{ repeat_cell_address(repeat, spec.positions) }} as entry_address
    from {{ ref(spec.model) }}
),

applied as (
    -- travel_group[2]/member_age: the entry's address, travel_group[2]/, and its column
    select submission_id, regexp_extract(field, '^(.*/)[^/]+$', 1) as entry_address,
           regexp_extract(field, '[^/]+$') as answer, new_value
    from {{ ref('cln_cleaning_log') }}
    where form = '{{ form }}' and status = 'applied' and decision in ('change_response', 'blank_response')
      and starts_with(field, '{{ repeat }}[')
),

corrections as (
    select
        submission_id,
        entry_address,
        {%- for column in spec.fields %}
        bool_or(answer = '{{ column }}') as {{ column }}__corrected,
        max(new_value) filter (where answer = '{{ column }}') as {{ column }}__new{% if not loop.last %},{% endif %}
        {%- endfor %}
    from applied
    group by submission_id, entry_address
)

select
    staged.* exclude (entry_address) replace (
        {%- for column, typed in spec.fields.items() %}
        case when corrections.{{ column }}__corrected then cast(corrections.{{ column }}__new as {{ typed[0] }})
             else staged.{{ column }} end as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    ),
    corrections.submission_id is not null as is_corrected
from staged
left join corrections
    on corrections.submission_id = staged.submission_id and corrections.entry_address = staged.entry_address
{%- endmacro %}


{#- The "other, specify" questions: per form, the select question whose code `other` asks
    for a text, and the text's column. rule other_specified raises each such answer for
    review, and marts.dq_other_specify_texts lists the texts; the officer recodes an answer
    whose text means one of the choices (change_response on the select question). -#}
{% macro other_specify_questions() -%}
    {{ return({
        'dtm_flow_survey': [{'choice': 'travel_reason', 'text': 'travel_reason_other'}],
    }) }}
{%- endmacro %}


{#- The forms the cleaning log applies to, with the staging model whose values it corrects. -#}
{% macro cleaning_log_forms() -%}
    {{ return({
        'dtm_locality': 'stg_kobo__dtm_locality',
        'dtm_site': 'stg_kobo__dtm_site',
        'dtm_flow_survey': 'stg_kobo__dtm_flow_survey',
        'me_activity': 'stg_kobo__me_activity',
        'me_partner_report': 'stg_kobo__me_partner_report',
        'me_pdm': 'stg_kobo__me_pdm',
        'me_perception': 'stg_kobo__me_perception',
    }) }}
{%- endmacro %}


{#- A staging model with the applicable cleaning-log corrections applied, its p-codes mapped
    through the boundary crosswalk (crosswalked_pcode), nothing else changed, and
    is_corrected: renders the whole select of a cln_<form>_corrected model. -#}
{% macro apply_cleaning_log(form, relation) -%}
{%- set fields = correctable_fields(form) %}
with staged as (
    select * from {{ relation }}
),

corrections as (
    -- one applied change or blank per cell at most (cln_cleaning_log settles the others)
    select
        submission_id,
        {%- for field in fields %}
        bool_or(field = '{{ field }}') as {{ field }}__corrected,
        max(new_value) filter (where field = '{{ field }}') as {{ field }}__new{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('cln_cleaning_log') }}
    where form = '{{ form }}' and status = 'applied' and decision in ('change_response', 'blank_response')
    group by submission_id
)

select
    staged.* replace (
        {%- for field, type in fields.items() %}
        {%- set corrected = 'case when corrections.' ~ field ~ '__corrected then cast(corrections.' ~ field ~ '__new as ' ~ type ~ ') else staged.' ~ field ~ ' end' %}
        {% if field.endswith('_pcode') %}{{ crosswalked_pcode(corrected) }}{% else %}{{ corrected }}{% endif %} as {{ field }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    ),
    corrections.submission_id is not null as is_corrected
from staged
left join corrections on corrections.submission_id = staged.submission_id
{%- endmacro %}


{#- The reference form's question behind a staging column where their names differ (the
    others are named alike), so that an issue or a correction on a column shows its
    question's labels and choices. -#}
{% macro staging_question_names(form) -%}
    {%- set common = {
        'admin1_pcode': 'admin1', 'admin2_pcode': 'admin2', 'gps_latitude': 'gps', 'gps_longitude': 'gps',
        'interview_started_at': 'start', 'interview_ended_at': 'end', 'respondent_sex': 'resp_sex',
        'respondent_age': 'resp_age', 'has_consented': 'consent'
    } -%}
    {%- set own = {
        'dtm_locality': {
            'idp_households': 'idp_hh', 'idp_individuals': 'idp_ind', 'has_idps': 'idp_present',
            'has_returnees': 'ret_present',
            'returnee_internal_households': 'ret_internal_hh', 'returnee_internal_individuals': 'ret_internal_ind',
            'returnee_abroad_households': 'ret_abroad_hh', 'returnee_abroad_individuals': 'ret_abroad_ind'
        },
        'dtm_site': {'is_managed': 'site_managed', 'has_site_photo': 'site_photo',
                     'is_at_risk_of_eviction': 'eviction_risk'},
        'dtm_flow_survey': {'respondent_nationality': 'resp_nationality', 'origin_admin2_pcode': 'origin_admin2',
                            'destination_admin2_pcode': 'destination_admin2'},
        'me_pdm': {'household_size': 'hh_size', 'has_safety_concerns': 'safety_concerns'},
        'me_perception': {'respondent_displacement_status': 'resp_displacement'}
    } -%}
    {{ return(dict(common, **own.get(form, {}))) }}
{%- endmacro %}


{#- (form, staging column, reference question name) for every form the cleaning log knows,
    as a values list for a join; see staging_question_names. -#}
{% macro staging_question_rows() -%}
    {%- set rows = [] -%}
    {%- for form in cleaning_log_forms() | list + ['dtm_flow_counts'] -%}
        {%- for column, question in staging_question_names(form).items() -%}
            {%- do rows.append("('" ~ form ~ "', '" ~ column ~ "', '" ~ question ~ "')") -%}
        {%- endfor -%}
    {%- endfor -%}
    (values {{ rows | join(', ') }}) as staging_questions(form, field, question_name)
{%- endmacro %}


{#- The condition that the answer-level issue ``alias`` (a dq_answer_issues row) is not
    confirmed: no applied no_action for its question and rule (or, without a rule, for its
    question whatever the rule). -#}
{% macro answer_not_confirmed(alias) -%}
    not exists (
        select 1 from {{ ref('cln_cleaning_confirmations') }} as confirmations
        where confirmations.form = {{ alias }}.form and confirmations.submission_id = {{ alias }}.submission_id
          and confirmations.field = {{ kobo_question_name(alias ~ '.field') }}
          and coalesce(confirmations.rule, {{ alias }}.rule) = {{ alias }}.rule)
{%- endmacro %}
