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
