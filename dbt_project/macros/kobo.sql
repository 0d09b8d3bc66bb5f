{#- Readers for Kobo answers kept as JSON in raw. Kobo sends every answer as a string and
    leaves blank answers out, so a missing key reads as NULL. Paths are the kind's reference
    form's full group paths such as 'grp_idp/idp_hh'; with ``form`` (a registered dataset)
    they read where that form keeps the question, and its choice codes read as the models'
    (the registry's fields, passed in the kobo_forms var; ARCHITECTURE.md, Forms and kinds). -#}

{#- Where ``form`` keeps the reference form's ``path``. -#}
{% macro kobo_path(path, form=none) -%}
    {{ return(var('kobo_forms', {}).get(form, {}).get('paths', {}).get(path, path) if form else path) }}
{%- endmacro %}

{#- The JSON path of an answer (or a repeat's array) in a payload. -#}
{% macro kobo_json_path(path, form=none) -%}
    '$."{{ kobo_path(path, form) }}"'
{%- endmacro %}

{#- ``form``'s codes for the reference question at ``path`` -> the models' codes. -#}
{% macro kobo_codes(path, form=none) -%}
    {{ return(var('kobo_forms', {}).get(form, {}).get('codes', {}).get(path, {}) if form else {}) }}
{%- endmacro %}

{% macro kobo_recode(expression, codes) -%}
    (case {{ expression }}{% for code, model in codes.items() %} when '{{ code }}' then '{{ model }}'{% endfor %} else {{ expression }} end)
{%- endmacro %}

{% macro kobo_text(path, payload='payload', form=none, recode=true) -%}
    {%- set answer = '(' ~ payload ~ ' ->> ' ~ kobo_json_path(path, form) ~ ')' -%}
    {%- set codes = kobo_codes(path, form) if recode else {} -%}
    {%- if codes -%} {{ kobo_recode(answer, codes) }} {%- else -%} {{ answer }} {%- endif -%}
{%- endmacro %}

{% macro kobo_int(path, payload='payload', form=none) -%}
    try_cast({{ kobo_text(path, payload, form) }} as integer)
{%- endmacro %}

{% macro kobo_timestamp(path, payload='payload', form=none) -%}
    try_cast({{ kobo_text(path, payload, form) }} as timestamptz)
{%- endmacro %}

{#- A geopoint answer is "lat lon altitude accuracy". -#}
{% macro kobo_geopoint_part(path, position, payload='payload', form=none) -%}
    try_cast(split_part({{ kobo_text(path, payload, form) }}, ' ', {{ position }}) as double)
{%- endmacro %}

{#- select_multiple answers are space-separated codes. -#}
{% macro kobo_multiple(path, payload='payload', form=none) -%}
    {%- set codes = kobo_codes(path, form) -%}
    {%- set answers = "string_split(nullif(trim(" ~ kobo_text(path, payload, form, recode=false) ~ "), ''), ' ')" -%}
    {%- if codes -%} list_transform({{ answers }}, code -> {{ kobo_recode('code', codes) }})
    {%- else -%} {{ answers }} {%- endif -%}
{%- endmacro %}

{% macro kobo_date(path, payload='payload', form=none) -%}
    try_cast({{ kobo_text(path, payload, form) }} as date)
{%- endmacro %}

{#- A yes/no question as a boolean; NULL when it was not asked (relevance) or left blank. -#}
{% macro kobo_yes_no(path, payload='payload', form=none) -%}
    (case {{ kobo_text(path, payload, form) }} when 'yes' then true when 'no' then false end)
{%- endmacro %}

{#- The submission metadata every staging model of a form starts with (raw's own columns). -#}
{% macro kobo_submission_columns(with_validation_status=true, form=none) -%}
    _id as submission_id,
    _uuid as submission_uuid,
    root_uuid,
    submission_time as submitted_at,
    form_version,
    {% if with_validation_status -%} validation_status, {%- endif %}
    {{ kobo_timestamp('start', form=form) }} as interview_started_at,
    {{ kobo_timestamp('end', form=form) }} as interview_ended_at
{%- endmacro %}

{#- The answer holding the code of the person who collected a submission (an enumerator, or
    the facilitator of an activity session), as text: where the form registry says the form
    keeps it (its kind's default, or the entry's fields.enumerator_id); NULL when neither does. -#}
{% macro kobo_enumerator_id(dataset, payload='payload') -%}
    {%- set path = var('kobo_forms', {}).get(dataset, {}).get('enumerator_path') -%}
    {%- if path -%} {{ kobo_text(path, payload) }} {%- else -%} cast(null as varchar) {%- endif -%}
{%- endmacro %}


{#- The registered forms feeding a kind's models, in registry order; [none] when there are
    none, so a kind's model still builds (empty) from kobo_submissions(none). -#}
{% macro kobo_forms_of_kind(kind) -%}
    {%- set forms = [] -%}
    {%- for dataset, form in var('kobo_forms', {}).items() if form.get('kind') == kind -%}
        {%- do forms.append(dataset) -%}
    {%- endfor -%}
    {{ return(forms or [none]) }}
{%- endmacro %}

{#- A form's raw submissions (live only unless ``live_only=false``) as a parenthesised
    relation; for ``none``, an empty one with raw's columns (landing.py submissions_ddl). -#}
{% macro kobo_submissions(form, live_only=true) -%}
    {%- if form -%}
    (select * from {{ source('kobo', 'kobo_' ~ form) }}{% if live_only %} where deleted_at is null{% endif %})
    {%- else -%}
    (select null::bigint as _id, null::varchar as _uuid, null::varchar as root_uuid,
            null::timestamp as submission_time, null::varchar as form_version, null::varchar as validation_status,
            null::json as payload, null::varchar as payload_hash, null::timestamptz as landed_at,
            null::varchar as previous_payload_hash, null::timestamptz as previous_landed_at,
            null::timestamptz as deleted_at
     where false)
    {%- endif -%}
{%- endmacro %}


{#- The name data quality and the cleaning log give a form: the built-in model (kind) it
    feeds, whose rules and corrections apply to every form of the kind; its dataset when it
    feeds none. Renders an expression over ``column`` (a dataset, or already a kind). -#}
{% macro kobo_quality_form(column) -%}
    {%- set renamed = [] -%}
    {%- for dataset, form in var('kobo_forms', {}).items() if form.get('kind') not in (none, 'none', dataset) -%}
        {%- do renamed.append((dataset, form['kind'])) -%}
    {%- endfor -%}
    {%- if renamed -%}
    (case {{ column }}{% for dataset, kind in renamed %} when '{{ dataset }}' then '{{ kind }}'{% endfor %} else {{ column }} end)
    {%- else -%}
    {{ column }}
    {%- endif -%}
{%- endmacro %}


{#- (dataset, its kobo_forms entry) for every registered form that feeds a kind, in
    registry order. -#}
{% macro kobo_forms_feeding_a_kind() -%}
    {%- set feeding = [] -%}
    {%- for dataset, form in var('kobo_forms', {}).items() if form.get('kind') not in (none, 'none') -%}
        {%- do feeding.append((dataset, form)) -%}
    {%- endfor -%}
    {{ return(feeding) }}
{%- endmacro %}


{#- The reference form's question name of a question path of any registered form: where a
    form keeps a reference question elsewhere (its `questions`), that question's name;
    otherwise the path's last segment. Renders an expression over ``column``. -#}
{% macro kobo_question_name(column) -%}
    {%- set moved = {} -%}
    {%- for dataset, form in var('kobo_forms', {}).items() -%}
        {%- do moved.update(form.get('questions', {})) -%}
    {%- endfor -%}
    {%- if moved -%}
    (case {{ column }}{% for path, name in moved.items() %} when '{{ path }}' then '{{ name }}'{% endfor %} else regexp_extract({{ column }}, '[^/]+$') end)
    {%- else -%}
    regexp_extract({{ column }}, '[^/]+$')
    {%- endif -%}
{%- endmacro %}
