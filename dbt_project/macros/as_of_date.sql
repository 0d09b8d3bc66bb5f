{#- The day the figures are as of: the build's date, unless var as_of_date names one (a
    unit test that must not depend on the clock) or DTM_AS_OF_DATE does (a report rebuilt
    for a past date, two builds compared on the same day's terms; the settings validate it). -#}
{% macro as_of_date() -%}
    {%- if var('as_of_date', none) -%} date '{{ var("as_of_date") }}'
    {%- elif env_var('DTM_AS_OF_DATE', '') -%} date '{{ env_var("DTM_AS_OF_DATE") }}'
    {%- else -%} current_date {%- endif -%}
{%- endmacro %}
