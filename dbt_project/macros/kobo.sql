{#- Readers for Kobo answers kept as JSON in raw. Kobo sends every answer as a string and
    leaves blank answers out, so a missing key reads as NULL. Paths are full group paths
    such as 'grp_idp/idp_hh'. -#}

{% macro kobo_text(path, payload='payload') -%}
    ({{ payload }} ->> '$."{{ path }}"')
{%- endmacro %}

{% macro kobo_int(path, payload='payload') -%}
    try_cast({{ kobo_text(path, payload) }} as integer)
{%- endmacro %}

{% macro kobo_timestamp(path, payload='payload') -%}
    try_cast({{ kobo_text(path, payload) }} as timestamptz)
{%- endmacro %}

{#- A geopoint answer is "lat lon altitude accuracy". -#}
{% macro kobo_geopoint_part(path, position, payload='payload') -%}
    try_cast(split_part({{ kobo_text(path, payload) }}, ' ', {{ position }}) as double)
{%- endmacro %}

{#- select_multiple answers are space-separated codes. -#}
{% macro kobo_multiple(path, payload='payload') -%}
    string_split(nullif(trim({{ kobo_text(path, payload) }}), ''), ' ')
{%- endmacro %}

{% macro kobo_date(path, payload='payload') -%}
    try_cast({{ kobo_text(path, payload) }} as date)
{%- endmacro %}

{#- A yes/no question as a boolean; NULL when it was not asked (relevance) or left blank. -#}
{% macro kobo_yes_no(path, payload='payload') -%}
    (case {{ kobo_text(path, payload) }} when 'yes' then true when 'no' then false end)
{%- endmacro %}

{#- The submission metadata every staging model of a form starts with (raw's own columns). -#}
{% macro kobo_submission_columns(with_validation_status=true) -%}
    _id as submission_id,
    _uuid as submission_uuid,
    root_uuid,
    submission_time as submitted_at,
    form_version,
    {% if with_validation_status -%} validation_status, {%- endif %}
    {{ kobo_timestamp('start') }} as interview_started_at,
    {{ kobo_timestamp('end') }} as interview_ended_at
{%- endmacro %}

{#- The answer holding the code of the person who collected a submission (an enumerator, or
    the facilitator of an activity session), as text: where the form registry says the form
    keeps it (its kind's default, or the entry's fields.enumerator_id); NULL when neither does. -#}
{% macro kobo_enumerator_id(dataset, payload='payload') -%}
    {%- set path = var('kobo_forms', {}).get(dataset, {}).get('enumerator_path') -%}
    {%- if path -%} {{ kobo_text(path, payload) }} {%- else -%} cast(null as varchar) {%- endif -%}
{%- endmacro %}
